import Foundation
@testable import Runtime
import Schema
import Synchronization
import Testing
import TestSupport

/// The batches a test's write received, in order, and how many callers have queued.
final class WriteLog: Sendable {
    let batches = Mutex<[[Int]]>([])
    let firstReturned = Atomic<Bool>(false)
    let secondRoundSawFirstReturned = Atomic<Bool>(false)
    /// How many callers wait in the group now, and the first write, parked until `want` do.
    private let queue = Mutex<(count: Int, want: Int, parked: CheckedContinuation<Void, Never>?)>((0, .max, nil))

    /// Watches `group`'s queue (the hook calls this each time a caller queues).
    func observe(_ group: GroupCommit<Int, Int>) async {
        await group.observeQueue { [self] count in
            let ready = queue.withLock { state -> CheckedContinuation<Void, Never>? in
                state.count = count
                guard count >= state.want, let parked = state.parked else { return nil }
                state.parked = nil
                return parked
            }
            ready?.resume()
        }
    }

    /// The first write lasts until every other caller has queued behind it (the group
    /// says so: no sleep guesses how slowly the machine schedules them).
    func holdFirstWrite(callers: Int) async {
        guard batches.withLock({ $0.count }) == 1 else { return }
        await withCheckedContinuation { continuation in
            let ready = queue.withLock { state -> Bool in
                if state.count >= callers - 1 { return true }
                state.want = callers - 1
                state.parked = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

@Suite struct GroupCommitTests {
    /// Submits items 0..<count, the first alone and the rest once its write is under way
    /// (the write is `body` after `holdFirstWrite`); returns each item's outcome.
    static func submitAll(
        _ count: Int, log: WriteLog, _ body: @escaping @Sendable ([Int]) async throws -> [Int]
    ) async throws -> [Int: Result<Int, any Error>] {
        let group = GroupCommit<Int, Int>()
        await log.observe(group)
        return try await withThrowingTaskGroup(of: (Int, Result<Int, any Error>).self) { tasks in
            for item in 0..<count {
                tasks.addTask {
                    // The others start only once the first write is under way.
                    while item > 0 && log.batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(2)) }
                    do {
                        return (item, .success(try await group.submit(item) { items in
                            log.batches.withLock { $0.append(items) }
                            await log.holdFirstWrite(callers: count)
                            return try await body(items)
                        }))
                    } catch {
                        return (item, .failure(error))
                    }
                }
            }
            return try await tasks.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    /// Items submitted while a write is in flight go in the next write together, and
    /// each caller gets its own item's outcome.
    @Test func itemsArrivingDuringAWriteShareTheNextOne() async throws {
        let log = WriteLog()
        let outcomes = try await Self.submitAll(12, log: log) { items in items.map { $0 * 10 } }
        #expect(outcomes.mapValues { try? $0.get() } == Dictionary(uniqueKeysWithValues: (0..<12).map { ($0, $0 * 10) }))
        let written = log.batches.withLock { $0 }
        #expect(written.flatMap { $0 }.sorted() == Array(0..<12))
        #expect(written.count == 2, "one write for the first item, one for the eleven that waited: \(written)")
    }

    /// A write that throws fails exactly the items it carried; the next round still runs.
    @Test func aFailedWriteFailsItsOwnItemsOnly() async throws {
        struct Refused: Error {}
        let outcomes = try await Self.submitAll(6, log: WriteLog()) { items in
            if items.contains(0) { throw Refused() }
            return items
        }
        #expect(outcomes.mapValues { (try? $0.get()) != nil } == [0: false, 1: true, 2: true, 3: true, 4: true, 5: true])
    }

    /// The caller that wrote one round returns: the next round is written by a caller
    /// that queued, so no sending slot is held writing for the others.
    @Test func aWriterWritesOneRoundAndReturns() async throws {
        let log = WriteLog()
        let group = GroupCommit<Int, Int>()
        await log.observe(group)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for item in 0..<4 {
                tasks.addTask {
                    while item > 0 && log.batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(2)) }
                    _ = try await group.submit(item) { items in
                        log.batches.withLock { $0.append(items) }
                        await log.holdFirstWrite(callers: 4)
                        if !items.contains(0) {
                            for _ in 0..<500 where !log.firstReturned.load(ordering: .relaxed) {
                                try await Task.sleep(for: .milliseconds(2))
                            }
                            log.secondRoundSawFirstReturned.store(log.firstReturned.load(ordering: .relaxed), ordering: .relaxed)
                        }
                        return items
                    }
                    if item == 0 { log.firstReturned.store(true, ordering: .relaxed) }
                }
            }
            try await tasks.waitForAll()
        }
        let rounds = log.batches.withLock { $0.count }
        let sawFirstReturned = log.secondRoundSawFirstReturned.load(ordering: .relaxed)
        #expect(rounds == 2)
        #expect(sawFirstReturned)
    }

    /// Photos finished together: only leases still held are finished.
    @Test func finishDeliveriesFinishesOnlyWhatIsStillOwned() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        for update in 1...3 {
            _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: Int64(update), user: Int64(update)))
        }
        let rendered = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 3, leaseSeconds: 60)
        #expect(try await db.queue.finishRenders(rendered.map { ($0.lease, Data([1, 2, 3])) }).count == 3)
        let claimed = try await db.queue.claimDeliveries(owner: "d", limit: 3, leaseSeconds: 60)
        #expect(claimed.count == 3)
        // The third one's lease goes stale: its send failed and the same owner claimed it
        // again, so the attempt it carries is no longer held.
        #expect(try await db.queue.failDelivery(claimed[2].lease, error: "timeout", retryable: true,
                                                policy: RetryPolicy(baseSeconds: 0, capSeconds: 0)) == .rendered)
        #expect(try await db.queue.claimDeliveries(owner: "d", limit: 3, leaseSeconds: 60).count == 1)
        let sent = claimed.map { (lease: $0.lease, telegramMessageID: $0.lease.jobID + 100) }
        let finished = try await db.queue.finishDeliveries(sent)
        #expect(finished == Set(claimed.prefix(2).map(\.lease.jobID)))
        let states = try await jobStates(db)
        #expect(states[claimed[0].lease.jobID] == "delivered" && states[claimed[2].lease.jobID] == "delivering")
    }
}
