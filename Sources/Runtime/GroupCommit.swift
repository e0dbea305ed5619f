/// Group commit: writes that arrive while one is in flight are coalesced into the next
/// single write. The first caller writes at once (after one yield, so that tasks already
/// running, such as sends that finished together, join it), so a caller alone pays
/// exactly one write and nothing waits for a timer. Callers arriving meanwhile queue;
/// when a write ends, the first of them writes the next round, its own item with all the
/// others queued by then. Under load that turns one statement per item into one per
/// round, and no caller writes more than one round.
///
/// Each round is written with the write its writer passed (for example over its own
/// connection), so no connection is set aside for the group.
public actor GroupCommit<Item: Sendable, Outcome: Sendable> {
    public typealias Write = @Sendable ([Item]) async throws -> [Outcome]

    /// What a queued caller is woken with: its outcome, or its turn to write.
    private enum Turn {
        case written(Outcome)
        case write
    }

    private typealias Queued = (item: Item, continuation: CheckedContinuation<Turn, any Error>)

    private var queued: [Queued] = []
    private var writing = false
    /// Test hook: told, on the actor, how many callers wait each time one queues.
    private var queueObserver: (@Sendable (Int) -> Void)?

    public init() {}

    /// Test hook (`@testable`): lets a test wait until callers have queued, instead of sleeping.
    func observeQueue(_ observer: @escaping @Sendable (Int) -> Void) { queueObserver = observer }

    /// Writes `item`, alone or with others, and returns its outcome. `write` must return
    /// one outcome per item, in order; a write that throws fails every item in it.
    public func submit(_ item: Item, write: Write) async throws -> Outcome {
        if writing {
            let turn = try await withCheckedThrowingContinuation {
                queued.append((item, $0))
                queueObserver?(queued.count)
            }
            if case .written(let outcome) = turn { return outcome }
            // This caller writes the next round; `writing` stayed set for it.
        } else {
            writing = true
            await Task.yield()
        }
        let round = queued
        queued = []
        let outcomes = await Self.outcomes(of: [item] + round.map(\.item), write: write)
        for (entry, outcome) in zip(round, outcomes.dropFirst()) {
            entry.continuation.resume(with: outcome.map(Turn.written))
        }
        if queued.isEmpty {
            writing = false
        } else {
            queued.removeFirst().continuation.resume(returning: .write)
        }
        return try outcomes[0].get()
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
