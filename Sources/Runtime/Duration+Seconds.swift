extension Duration {
    /// Whole and fractional seconds: for SQL's `make_interval(secs => …)`, logs and sums.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// This duration scaled by a random factor in 1 ± `fraction`, so many pollers or retriers
    /// do not wake in step (River's jittered fetch poll).
    public func jittered(by fraction: Double = 0.25) -> Duration {
        self * Double.random(in: (1 - fraction)...(1 + fraction))
    }
}
