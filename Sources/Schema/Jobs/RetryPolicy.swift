/// Exponential backoff between attempts: `base · 2^(attempt-1)`, capped.
public struct RetryPolicy: Sendable {
    public var base: Double
    public var cap: Double

    public init(baseSeconds: Double = 5, capSeconds: Double = 600) {
        self.base = baseSeconds
        self.cap = capSeconds
    }

    /// Seconds to wait after failed attempt number `attempt` (1-based).
    public func backoff(afterAttempt attempt: Int) -> Double {
        min(cap, base * Double(1 << min(max(attempt - 1, 0), 30)))
    }
}
