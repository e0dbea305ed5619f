/// Decides when a live preview is worth its decode: at most once per `interval`, never for
/// the last step (the image itself is moments away), and only while the previews so far
/// have cost less than `budget` of the time rendered. A render is therefore never slowed by
/// more than that share plus one preview, whatever the decoder costs on this machine.
public struct PreviewPacer {
    /// Zero turns previews off.
    public let interval: Duration
    public let budget: Double
    private let started: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    private var spent: Duration = .zero

    public init(interval: Duration, budget: Double = 0.02, now: ContinuousClock.Instant = .now) {
        self.interval = interval
        self.budget = budget
        started = now
        last = now
    }

    public func isDue(step: Int, of total: Int, now: ContinuousClock.Instant = .now) -> Bool {
        guard interval > .zero, step < total, now - last >= interval else { return false }
        return spent <= (now - started) * budget
    }

    /// A preview was made at `now` and took `cost`.
    public mutating func made(cost: Duration, now: ContinuousClock.Instant = .now) {
        spent += cost
        last = now
    }
}
