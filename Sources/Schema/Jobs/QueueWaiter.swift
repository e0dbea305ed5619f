/// How a worker waits for work: it wakes at once on a NOTIFY from one of its channels,
/// and otherwise after a poll interval with random jitter — the fallback for
/// notifications lost while the listener was reconnecting, and for jobs whose backoff
/// (`scheduled_at`) has passed, which nobody announces. Jitter keeps several workers
/// from polling in lock-step.
public struct QueueWaiter: Sendable {
    public enum WakeReason: Sendable, Equatable {
        case notified([PostgresNotification])
        case pollInterval
        /// The listening connection broke; it reconnects and re-listens on the next wait.
        case connectionLost
    }

    public let connection: PostgresConnection
    public let pollInterval: Duration
    /// Fraction of `pollInterval` added or removed at random, e.g. 0.25 → ±25 %.
    public let jitter: Double

    /// A waiter on a connection that already listens (or only for `nextTimeout()`).
    public init(connection: PostgresConnection, pollInterval: Duration, jitter: Double) {
        self.connection = connection
        self.pollInterval = pollInterval
        self.jitter = jitter
    }

    /// Subscribes `connection` (one the worker does not use for statements meanwhile,
    /// or its own between statements) to `channels`.
    public static func listening(
        on connection: PostgresConnection, to channels: [String], pollInterval: Duration = .seconds(2), jitter: Double = 0.25
    ) async throws -> QueueWaiter {
        for channel in channels { try await connection.listen(channel) }
        return QueueWaiter(connection: connection, pollInterval: pollInterval, jitter: jitter)
    }

    /// The next wait's length: `pollInterval` ± `jitter`.
    public func nextTimeout() -> Duration {
        let factor = 1 + Double.random(in: -jitter...jitter)
        return .milliseconds(Int64(Double(pollInterval.milliseconds) * factor))
    }

    /// Waits for a notification or the jittered poll interval. The wait is cut into
    /// short slices so that `stop` (e.g. "graceful shutdown began") or task cancellation
    /// ends it within a quarter of a second; it then returns `.pollInterval`.
    public func wait(stop: () -> Bool = { false }) async throws -> WakeReason {
        let deadline = ContinuousClock.now + nextTimeout()
        do {
            while true {
                let left = deadline - ContinuousClock.now
                if left <= .zero || stop() || Task.isCancelled { return .pollInterval }
                let received = try await connection.waitForNotifications(timeout: min(left, .milliseconds(250)))
                if !received.isEmpty { return .notified(received) }
            }
        } catch let error as PostgresError where error.isConnectionProblem {
            return .connectionLost
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
