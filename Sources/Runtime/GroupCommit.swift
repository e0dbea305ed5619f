/// Group commit: writes that arrive while one is in flight are coalesced into the next
/// single write. The first caller writes at once (after one yield, so that tasks already
/// running, such as sends that finished together, join it), so a caller alone pays
/// exactly one write and nothing waits for a timer. Callers arriving meanwhile queue,
/// and the caller already writing writes all of them together, round after round, until
/// the queue is empty. Under load that turns one statement per item into one per round.
///
/// Each caller passes the write to use, and the one writing uses its own (for example
/// over its own connection), so no connection is set aside for the group.
public actor GroupCommit<Item: Sendable, Outcome: Sendable> {
    public typealias Write = @Sendable ([Item]) async throws -> [Outcome]

    private var queued: [(item: Item, continuation: CheckedContinuation<Outcome, any Error>)] = []
    private var writing = false

    public init() {}

    /// Writes `item`, alone or with others, and returns its outcome. `write` must return
    /// one outcome per item, in order; a write that throws fails every item in it.
    public func submit(_ item: Item, write: Write) async throws -> Outcome {
        guard !writing else {
            return try await withCheckedThrowingContinuation { queued.append((item, $0)) }
        }
        writing = true
        defer { writing = false }
        await Task.yield()
        var round = takeQueued()
        let first = await Self.outcomes(of: [item] + round.map(\.item), write: write)
        resume(round, with: first.dropFirst())
        while !queued.isEmpty {
            round = takeQueued()
            resume(round, with: await Self.outcomes(of: round.map(\.item), write: write))
        }
        return try first[0].get()
    }

    private func takeQueued() -> [(item: Item, continuation: CheckedContinuation<Outcome, any Error>)] {
        defer { queued = [] }
        return queued
    }

    private func resume(
        _ round: [(item: Item, continuation: CheckedContinuation<Outcome, any Error>)],
        with outcomes: some Collection<Result<Outcome, any Error>>
    ) {
        for (entry, outcome) in zip(round, outcomes) { entry.continuation.resume(with: outcome) }
    }

    /// One outcome per item, whatever the write did.
    private static func outcomes(of items: [Item], write: Write) async -> [Result<Outcome, any Error>] {
        do {
            let outcomes = try await write(items)
            guard outcomes.count == items.count else {
                return items.map { _ in .failure(GroupCommitError.missingOutcome) }
            }
            return outcomes.map { .success($0) }
        } catch {
            return items.map { _ in .failure(error) }
        }
    }
}

public enum GroupCommitError: Error, CustomStringConvertible {
    case missingOutcome

    public var description: String { "a group write returned fewer outcomes than items" }
}
