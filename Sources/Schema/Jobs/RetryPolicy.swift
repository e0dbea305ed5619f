import Runtime

/// The backoff between a job's attempts, in seconds as the SQL schedules them: `Backoff`'s
/// rule, from `base` up to `cap`.
public struct RetryPolicy: Sendable {
    public var base: Double
    public var cap: Double

    public init(baseSeconds: Double = 5, capSeconds: Double = 600) {
        self.base = baseSeconds
        self.cap = capSeconds
    }

    /// Seconds to wait after failed attempt number `attempt` (1-based).
    public func backoff(afterAttempt attempt: Int) -> Double {
        Backoff(initial: .seconds(base), max: .seconds(cap)).delay(afterAttempt: attempt).seconds
    }
}
