/// Decides when a live preview is worth its decode: at most once per `interval`, never for
/// the last step (the image itself is moments away), and only while the previews so far,
/// plus one more at the last one's cost, stay within `budget` of the render's projected
/// length (the time per step so far × the steps). A render is therefore never slowed by
/// more than that share, bar a first preview dearer than the whole budget (it is measured
/// only by drawing it).
public struct PreviewPacer {
    /// Zero turns previews off.
    public let interval: Duration
    public let budget: Double
    private let started: ContinuousClock.Instant
    private var last: ContinuousClock.Instant
    private var spent: Duration = .zero
    private var lastCost: Duration = .zero

    public init(interval: Duration, budget: Double = 0.02, now: ContinuousClock.Instant = .now) {
        self.interval = interval
        self.budget = budget
        started = now
        last = now
    }

    public func isDue(step: Int, of total: Int, now: ContinuousClock.Instant = .now) -> Bool {
        guard interval > .zero, step > 0, step < total, now - last >= interval else { return false }
        let projected = (now - started - spent) * (Double(total) / Double(step)) + spent
        return spent + lastCost <= projected * budget
    }

    /// A preview was made at `now` and took `cost`.
    public mutating func made(cost: Duration, now: ContinuousClock.Instant = .now) {
        spent += cost
        lastCost = cost
        last = now
    }
}
