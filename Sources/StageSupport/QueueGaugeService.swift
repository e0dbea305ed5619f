import Logging
import Metrics
import Runtime
import Schema
import ServiceLifecycle

/// The queue as PostgreSQL holds it, as gauges: unfinished jobs per state and model, and
/// the age of each model's oldest queued job. Read every `interval` (± jitter) in one
/// statement whose cost follows the unfinished rows, not the table (`QueueGauges`).
///
/// Deliver runs it, and only Deliver: one series per state and model, whatever number of
/// Renderers serve the models, and none of them busy with a render when it is due. With
/// several Deliver processes each exports the same values; take `max by (state, model)`.
///
/// Metrics (swift-metrics; exported where the stage bootstraps a backend): `descriptions`.
public struct QueueGaugeService: Service {
    let queue: JobQueue
    let interval: Duration
    let logger: Logger

    static let jobs = MetricDescription(
        "lienzo_queue_jobs", .gauge, labels: ["state", "model"],
        help: "Unfinished jobs per state (queued, rendering, rendered, delivering) and model, read from PostgreSQL.")
    static let oldestAge = MetricDescription(
        "lienzo_queue_oldest_age_seconds", .gauge, labels: ["model"],
        help: "Seconds since the oldest queued job of the model was queued, read from PostgreSQL; 0 when none is queued.")

    /// Every metric the queue gauges export, for the metrics backend of the stage that runs them.
    public static let descriptions = [jobs, oldestAge]

    /// One gauge series: a metric and its label values.
    public struct Series: Hashable, Sendable {
        let name: String
        let dimensions: [String: String]

        func record(_ value: Double) {
            Gauge(label: name, dimensions: dimensions.sorted { $0.key < $1.key }).record(value)
        }
    }

    public init(queue: JobQueue, interval: Duration, logger: Logger) {
        self.queue = queue
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var shown: Set<Series> = []
        await runPeriodically(queue.connection, every: interval, logger: logger, failure: "reading the queue gauges failed") {
            shown = try await round(shown: shown)
        }
    }

    /// Reads the queue once and sets the gauges. A series of `shown` (what the round before
    /// set) that the database no longer returns, such as a model without a profile whose
    /// jobs all finished, reads 0 instead of its last value. Returns the series set.
    @discardableResult
    public func round(shown: Set<Series> = []) async throws -> Set<Series> {
        var now: [Series: Double] = [:]
        for count in try await queue.stateCounts() {
            now[Series(name: Self.jobs.name, dimensions: ["state": count.state.rawValue, "model": count.model])] = Double(count.jobs)
            if count.state == .queued {
                now[Series(name: Self.oldestAge.name, dimensions: ["model": count.model])] = count.oldestSeconds
            }
        }
        for (series, value) in now { series.record(value) }
        for series in shown where now[series] == nil { series.record(0) }
        return Set(now.keys)
    }
}
