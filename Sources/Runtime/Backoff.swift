/// Waits that double from `initial` after each failed attempt, up to `max`: the one rule
/// behind every retry in Lienzo — reconnecting to PostgreSQL, Ingest's polls and updates,
/// Bot API sends, Deliver's bookkeeping, and the render and delivery retries the database
/// schedules (`RetryPolicy`).
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var max: Duration
    /// Failures counted by `next()`.
    public private(set) var failures = 0

    public init(initial: Duration, max: Duration) {
        self.initial = initial
        self.max = max
    }

    /// The wait after failed attempt `attempt` (1 = the first failure): initial × 2^(attempt−1), capped.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let doublings = Swift.min(Swift.max(attempt - 1, 0), 30)
        return Swift.min(initial * (1 << doublings), max)
    }

    /// For a loop that counts for itself: the wait after one more failure.
    public mutating func next() -> Duration {
        failures += 1
        return delay(afterAttempt: failures)
    }

    /// A success: the next failure waits `initial` again.
    public mutating func reset() { failures = 0 }
}
