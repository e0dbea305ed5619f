import Runtime
import Schema
import Telegram

/// How Deliver claims, paces and retries.
///
/// Environment keys (defaults in brackets):
/// - `DELIVER_CONNECTIONS` [4]: Bot API connections sending in parallel (each one
///   request at a time), each with its own database connection.
/// - `DELIVER_MAX_IN_FLIGHT` [32]: claimed rows held at once (claimed, not yet sent).
/// - `DELIVER_LEASE_SECONDS` [300]: a claimed row's lease; a killed Deliver's rows come
///   back after this (the rescuer runs every `DELIVER_RESCUE_INTERVAL` [15] seconds).
/// - `DELIVER_POLL_INTERVAL` [2]: seconds between claims without a notification (±25 %).
/// - `DELIVER_GLOBAL_RATE` [30]: messages per second over all chats.
/// - `DELIVER_CHAT_INTERVAL` [1]: seconds between messages to one private chat.
/// - `DELIVER_GROUP_INTERVAL` [3]: seconds between messages to one group (20 a minute).
/// - `DELIVER_STATUS_INTERVAL` [3]: the least seconds between two edits of one status message.
/// - `DELIVER_MAX_HOLD` [30]: a 429 asking to wait longer than this puts the row back in
///   the database until then instead of holding it in memory.
/// - `DELIVER_RETRY_BASE` [2]: seconds before the first retry of a 5xx / network failure
///   (doubling, at most 120); the row fails after its `max_attempts` (5).
/// - `DELIVER_KEEP_IMAGES` [true]: keep the PNG after delivery for "send as file"
///   (`purge-prompts` drops it with the prompt).
/// - `LIENZO_KEEP_IMAGES_FOR` [24h], `LIENZO_KEEP_PROMPTS_FOR` [30d],
///   `LIENZO_RETENTION_INTERVAL` [60], `LIENZO_RETENTION_BATCH` [500]: the retention
///   Deliver enforces (`RetentionPolicy`, `RetentionService`); with `DELIVER_KEEP_IMAGES`
///   false the image window is 0.
/// - `DELIVER_METRICS_PORT` [0]: Prometheus endpoint at `http://127.0.0.1:PORT/metrics`
///   (`DeliverMetrics`, the retention metrics and the queue gauges); 0 turns it off.
/// - `DELIVER_QUEUE_METRICS_INTERVAL` [15]: seconds between two reads of the queue gauges
///   (`QueueGaugeService`), while the metrics endpoint is on.
public struct DeliverConfiguration: Sendable {
    public var connections = 4
    public var maxInFlight = 32
    public var leaseSeconds = 300.0
    public var rescueInterval: Duration = .seconds(15)
    public var pollInterval: Duration = .seconds(2)
    public var globalRate = 30.0
    public var chatInterval = 1.0
    public var groupInterval = 3.0
    public var statusInterval = 3.0
    public var maxHold = 30.0
    public var keepImages = true
    public var retryPolicy = SendRetryPolicy()
    /// Backoff before a row that failed with 5xx / a network error is due again; the
    /// database counts its attempts (`max_attempts`) and fails it after the last.
    public var databaseRetry = RetryPolicy(baseSeconds: 2, capSeconds: 120)
    /// How long images, prompts and quoted words are kept; see `enforcedRetention`.
    public var retention = RetentionPolicy()
    public var metricsPort = 0
    public var queueMetricsInterval: Duration = .seconds(15)

    /// The retention Deliver runs and publishes: `retention`, but no image window when
    /// images are not kept after delivery at all.
    public var enforcedRetention: RetentionPolicy {
        var policy = retention
        if !keepImages { policy.keepImagesFor = .zero }
        return policy
    }

    public init() {}

    public init(environment: Environment) throws {
        connections = try environment.int("DELIVER_CONNECTIONS", default: connections, in: 1...64)
        maxInFlight = try environment.int("DELIVER_MAX_IN_FLIGHT", default: maxInFlight, in: 1...10_000)
        leaseSeconds = try environment.seconds("DELIVER_LEASE_SECONDS", default: leaseSeconds).seconds
        rescueInterval = try environment.interval("DELIVER_RESCUE_INTERVAL", default: 15)
        pollInterval = try environment.seconds("DELIVER_POLL_INTERVAL", default: 2)
        globalRate = Double(try environment.int("DELIVER_GLOBAL_RATE", default: 30, in: 1...10_000))
        chatInterval = try environment.seconds("DELIVER_CHAT_INTERVAL", default: chatInterval).seconds
        groupInterval = try environment.seconds("DELIVER_GROUP_INTERVAL", default: groupInterval).seconds
        statusInterval = try environment.seconds("DELIVER_STATUS_INTERVAL", default: statusInterval).seconds
        maxHold = try environment.seconds("DELIVER_MAX_HOLD", default: maxHold).seconds
        keepImages = try environment.bool("DELIVER_KEEP_IMAGES", default: keepImages)
        let retryBase = try environment.seconds("DELIVER_RETRY_BASE", default: 2).seconds
        databaseRetry = RetryPolicy(baseSeconds: retryBase, capSeconds: max(retryBase, 120))
        retention = try RetentionPolicy(environment: environment)
        metricsPort = try environment.int("DELIVER_METRICS_PORT", default: metricsPort, in: 0...65535)
        queueMetricsInterval = try environment.interval("DELIVER_QUEUE_METRICS_INTERVAL", default: 15)
    }
}
