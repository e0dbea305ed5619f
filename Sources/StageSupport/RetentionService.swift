import Logging
import Metrics
import Runtime
import Schema
import ServiceLifecycle

/// Retention that runs by itself (no cron): publishes the policy's windows, then every
/// `policy.interval` (± jitter) purges what is past them in bounded batches until
/// nothing is left, and reports the backlog. Deliver runs it; any number of stages could,
/// since the purge takes rows with SKIP LOCKED and a purged row matches nothing again.
///
/// Metrics (swift-metrics; exported where the stage bootstraps a backend): `descriptions`.
public struct RetentionService: Service {
    let queue: JobQueue
    let policy: RetentionPolicy
    let logger: Logger

    static let purged = MetricDescription(
        "lienzo_retention_purged_total", .counter, labels: ["kind"],
        help: "Rows purged by retention, by kind: images, prompts, messages.")
    static let overdue = MetricDescription(
        "lienzo_retention_overdue", .gauge, labels: ["kind"],
        help: "Rows past their retention window after the last purge round, by kind.")
    static let oldestOverdue = MetricDescription(
        "lienzo_retention_oldest_overdue_seconds", .gauge, labels: ["kind"],
        help: "How many seconds past its retention window the oldest unpurged row is, by kind.")

    /// Every metric retention exports, for the metrics backend of the stage that runs it.
    public static let descriptions = [purged, overdue, oldestOverdue]

    public init(queue: JobQueue, policy: RetentionPolicy, logger: Logger) {
        self.queue = queue
        self.policy = policy
        self.logger = logger
    }

    public func run() async throws {
        var published = false
        await runPeriodically(queue.connection, every: policy.interval, logger: logger, failure: "retention purge failed") {
            if !published {
                try await queue.publishRetentionPolicy(policy)
                published = true
            }
            try await round()
        }
    }

    /// Purges until a call comes back short (or a shutdown begins), then records the backlog.
    /// Returns what was purged.
    @discardableResult
    public func round() async throws -> JobQueue.Purged {
        var total = JobQueue.Purged()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let purged = try await queue.purgeExpired(
                keepImagesFor: policy.keepImagesFor, keepPromptsFor: policy.keepPromptsFor, limit: policy.batchSize)
            total.images += purged.images
            total.prompts += purged.prompts
            total.messages += purged.messages
            for (kind, count) in [("images", purged.images), ("prompts", purged.prompts), ("messages", purged.messages)] where count > 0 {
                Counter(label: Self.purged.name, dimensions: [("kind", kind)]).increment(by: count)
            }
            if purged.total < policy.batchSize { break }
        }
        for backlog in try await queue.retentionBacklog() {
            Gauge(label: Self.overdue.name, dimensions: [("kind", backlog.kind)]).record(backlog.overdue)
            Gauge(label: Self.oldestOverdue.name, dimensions: [("kind", backlog.kind)]).record(backlog.oldestOverdueSeconds)
        }
        if total.total > 0 {
            logger.info("retention purge", metadata: [
                "lienzo_images_purged": "\(total.images)", "lienzo_prompts_purged": "\(total.prompts)",
                "lienzo_messages_purged": "\(total.messages)",
            ])
        }
        return total
    }
}
