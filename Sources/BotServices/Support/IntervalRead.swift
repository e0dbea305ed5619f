/// A value Ingest reads from the database with a batch of updates, at most once per
/// `interval`, so a message costs no query and an operator's change is in force within
/// `interval`. A failed read leaves the schedule as it was: the next batch tries again.
struct IntervalRead<Value: Equatable & Sendable>: Sendable {
    let interval: Duration
    private(set) var value: Value?
    private var readAt: ContinuousClock.Instant?

    init(interval: Duration) {
        self.interval = interval
    }

    /// Whether a read has succeeded yet.
    var hasRead: Bool { readAt != nil }

    /// What `read` returns when it is time to read and the value differs from the last one
    /// read (the first read counts as a change); nil otherwise. Throws what `read` throws.
    mutating func changed(_ read: () async throws -> Value) async throws -> Value? {
        let now = ContinuousClock.now
        if let readAt, now - readAt < interval { return nil }
        let fresh = try await read()
        let first = readAt == nil
        readAt = now
        guard first || fresh != value else { return nil }
        value = fresh
        return fresh
    }
}
