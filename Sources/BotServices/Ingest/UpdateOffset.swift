/// The getUpdates offset, as a pure value: Telegram forgets every update below the
/// offset of the next getUpdates, so it moves past an update only once that update's
/// transaction committed (or it was recorded as failed).
struct UpdateOffset: Sendable, Equatable {
    /// The offset to send; nil before anything is known (Telegram then starts at the
    /// oldest unconfirmed update).
    private(set) var next: Int?

    init(stored: Int64?) {
        next = stored.map { Int($0) }
    }

    /// An update was committed: never moves backwards.
    mutating func committed(_ updateID: Int) {
        next = max(next ?? Int.min, updateID + 1)
    }
}
