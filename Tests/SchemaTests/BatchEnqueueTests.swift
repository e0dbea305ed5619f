import Schema
import Testing
import TestSupport

/// `enqueue(_ batch:)` decides a whole getUpdates batch in one statement; these tests
/// hold it to the rules of enqueuing the same requests one at a time.
@Suite struct BatchEnqueueTests {
    /// Quotas for the mixed batch below: user 1 may make 3 jobs today, user 2 may have
    /// 2 pending, user 3 is banned, user 4 is unlimited.
    static func prepare(_ db: TestDatabase) async throws -> Int64 {
        try await db.queue.setQuotaDefaults(dailyLimit: 100, maxQueued: 100)
        try await db.queue.setUserQuota(userID: 1, dailyLimit: 3, maxQueued: nil)
        try await db.queue.setUserQuota(userID: 2, dailyLimit: nil, maxQueued: 2)
        try await db.queue.setUserQuota(userID: 3, dailyLimit: nil, maxQueued: nil, banned: true)
        // One job of user 1 exists already, and its update comes again in the batch.
        return try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 10, user: 1))
    }

    static let batch: [JobQueue.Enqueue] = [
        (11, 1, "tiny"), (12, 2, "tiny"), (10, 1, "tiny"), (13, 1, "other"), (14, 3, "tiny"), (15, 2, "tiny"),
        (16, 1, "tiny"), (17, 2, "other"), (18, 4, "other"), (15, 2, "tiny"), (19, 1, "tiny"), (20, 4, "tiny"),
    ].map { update, user, model in
        JobQueue.Enqueue(Fixtures.request("prompt \(update)", model: model), from: Fixtures.origin(update: update, user: user))
    }

    @Test func aBatchAnswersAsTheSameRequestsOneAtATime() async throws {
        let oneByOne = try await TestDatabase.make()
        let batched = try await TestDatabase.make()
        let existing = try await Self.prepare(oneByOne)
        #expect(try await Self.prepare(batched) == existing)

        var expected: [EnqueueOutcome] = []
        for request in Self.batch {
            expected.append(try await oneByOne.queue.enqueue(request.request, from: request.origin))
        }
        let outcomes = try await batched.queue.enqueue(Self.batch)
        #expect(outcomes == expected)

        // The oracle itself covers every rule: accepted, the duplicate from before, the
        // repeat within the batch, the daily limit, the pending limit and the ban.
        #expect(expected[2] == .duplicate(jobID: existing, position: 1))
        #expect(expected[9].jobID == expected[5].jobID && expected[9] != expected[5])
        #expect(expected[4] == .banned)
        #expect(expected[10] == .dailyLimitReached(QuotaUsage(usedToday: 3, dailyLimit: 3, pending: 3, maxQueued: 100)))
        #expect(expected[7] == .queueFull(QuotaUsage(usedToday: 2, dailyLimit: 100, pending: 2, maxQueued: 2)))
        guard case .accepted(_, let position, _) = expected[11] else {
            Issue.record("expected the last request accepted, got \(expected[11])")
            return
        }
        #expect(position == 5)
        #expect(try await jobCount(batched) == jobCount(oneByOne))

        // An oracle that owes nothing to enqueue(): the outcomes worked out by hand from
        // the rules, and the rows read back from the jobs table. (The one-at-a-time path
        // above is a batch of one, so on its own it would only compare the code with itself.)
        for (db, answered) in [(oneByOne, expected), (batched, outcomes)] {
            let rows = try await Self.jobsByUpdate(db)
            #expect(rows.mapValues { "\($0.user) \($0.model)" } == [
                10: "1 tiny", 11: "1 tiny", 12: "2 tiny", 13: "1 other", 15: "2 tiny", 18: "4 other", 20: "4 tiny",
            ])
            let id = rows.mapValues(\.id)
            #expect(id[10] == existing)
            // New jobs are numbered in the batch's order.
            let ids = [10, 11, 12, 13, 15, 18, 20].compactMap { id[$0] }
            #expect(ids == ids.sorted() && Set(ids).count == 7, "\(id)")
            func job(_ update: Int64) -> Int64 { id[update] ?? -1 }
            func usage(_ usedToday: Int, _ dailyLimit: Int, _ pending: Int, _ maxQueued: Int) -> QuotaUsage {
                QuotaUsage(usedToday: usedToday, dailyLimit: dailyLimit, pending: pending, maxQueued: maxQueued)
            }
            // Queue positions count per model: "tiny" starts with update 10's job waiting,
            // "other" empty. User 1 has room for 2 more today (3 - 1), user 2 for 2
            // pending, user 3 none (banned), user 4 the defaults (100 / 100).
            let byHand: [EnqueueOutcome] = [
                .accepted(jobID: job(11), position: 2, quota: usage(2, 3, 2, 100)),     // 11: user 1, 1st of 2
                .accepted(jobID: job(12), position: 3, quota: usage(1, 100, 1, 2)),     // 12: user 2, 1st of 2
                .duplicate(jobID: existing, position: 1),                                // 10: enqueued before
                .accepted(jobID: job(13), position: 1, quota: usage(3, 3, 3, 100)),     // 13: user 1, 2nd of 2, "other"
                .banned,                                                                 // 14: user 3
                .accepted(jobID: job(15), position: 4, quota: usage(2, 100, 2, 2)),     // 15: user 2, 2nd of 2
                .dailyLimitReached(usage(3, 3, 3, 100)),                                 // 16: user 1, 3rd
                .queueFull(usage(2, 100, 2, 2)),                                         // 17: user 2, 3rd
                .accepted(jobID: job(18), position: 2, quota: usage(1, 100, 1, 100)),   // 18: user 4, "other"
                .duplicate(jobID: job(15), position: 4),                                 // 15 again in the batch
                .dailyLimitReached(usage(3, 3, 3, 100)),                                 // 19: user 1, 4th
                .accepted(jobID: job(20), position: 5, quota: usage(2, 100, 2, 100)),   // 20: user 4
            ]
            #expect(answered.count == byHand.count)
            for (index, (got, want)) in zip(answered, byHand).enumerated() {
                #expect(got == want, "request \(index) (update \(Self.batch[index].origin.updateID))")
            }
        }
    }

    /// The jobs table, read directly: update id to (job id, user, model).
    static func jobsByUpdate(_ db: TestDatabase) async throws -> [Int64: (id: Int64, user: Int64, model: String)] {
        var rows: [Int64: (id: Int64, user: Int64, model: String)] = [:]
        for row in try await db.connection.query(SQLText(name: "TestJobsByUpdate", text: "SELECT update_id, id, user_id, model FROM jobs")) {
            rows[try row.decode("update_id")] = (try row.decode("id"), try row.decode("user_id"), try row.decode("model"))
        }
        return rows
    }

    @Test func promptsWithQuotesBracesAndBackslashesArriveIntact() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let prompts = [#"a "quoted" castle, {braces}"#, #"back\slash \\ and \"escaped\""#, "NULL", "", "  spaced  ",
                       "ñandú 🦤 en el río", "comma,separated,words"]
        let batch = prompts.enumerated().map { index, prompt in
            var request = Fixtures.request(prompt)
            request.negativePrompt = "not " + prompt
            return JobQueue.Enqueue(request, from: TelegramOrigin(updateID: Int64(index + 1), chatID: 7, userID: 7))
        }
        let outcomes = try await db.queue.enqueue(batch)
        #expect(outcomes.allSatisfy { $0.jobID != nil })
        let claimed = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: prompts.count, leaseSeconds: 60)
        #expect(claimed.map(\.request.prompt) == prompts)
        #expect(claimed.map(\.request.negativePrompt) == prompts.map { "not " + $0 })
        #expect(claimed.allSatisfy { $0.origin.messageID == nil && $0.origin.languageCode == nil })
    }

    /// Batches that name the same users in opposite orders take the users' locks in one
    /// order, so they neither deadlock nor let a limit slip.
    @Test func concurrentBatchesOfTheSameUsersKeepTheLimits() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setQuotaDefaults(dailyLimit: 10, maxQueued: 100)
        var connections: [PostgresConnection] = []
        for _ in 0..<8 { connections.append(try await db.connect()) }
        let outcomes = try await withThrowingTaskGroup(of: [EnqueueOutcome].self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask {
                    var outcomes: [EnqueueOutcome] = []
                    for round in 0..<2 {
                        let users: [Int64] = index % 2 == 0 ? [21, 22, 21, 22] : [22, 21, 22, 21]
                        let batch = users.enumerated().map { offset, user in
                            JobQueue.Enqueue(Fixtures.request(), from: Fixtures.origin(update: Int64(1_000 + index * 100 + round * 10 + offset), user: user))
                        }
                        outcomes += try await JobQueue(connection).enqueue(batch)
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes.count == 64)
        #expect(outcomes.filter { $0.jobID != nil }.count == 20)
        #expect(try await jobCount(db) == 20)
    }

    /// The first wave's one-request enqueue_job() was kept for one release (0006) and is
    /// dropped on that schedule (0015): only enqueue_jobs() is left to call.
    @Test func theFirstWavesEnqueueJobIsGone() async throws {
        let db = try await TestDatabase.make()
        let functions = SQLText(name: "TestEnqueueFunctions", text: """
            SELECT proname FROM pg_proc WHERE proname LIKE 'enqueue_job%' AND pronamespace = current_schema()::regnamespace
            """)
        let names = try await db.connection.query(functions).map { try $0.decode("proname", as: String.self) }
        #expect(names == ["enqueue_jobs"])
    }

    @Test func anEmptyBatchAsksNothing() async throws {
        let db = try await TestDatabase.make()
        #expect(try await db.queue.enqueue([]).isEmpty)
    }
}
