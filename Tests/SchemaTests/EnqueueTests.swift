import Schema
import Testing
import TestSupport

@Suite struct EnqueueTests {
    @Test func enqueueIsIdempotentOnUpdateID() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let first = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 500))
        let again = try await db.queue.enqueue(Fixtures.request("something else"), from: Fixtures.origin(update: 500))
        guard case .accepted(let id, 1, let quota) = first else {
            Issue.record("expected accepted at position 1, got \(first)")
            return
        }
        #expect(quota.usedToday == 1)
        #expect(again == .duplicate(jobID: id, position: 1))
        #expect(try await jobCount(db) == 1)
    }

    @Test func aReReadUpdateIsADuplicateEvenWhenTheUserIsNowAtTheLimit() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setQuotaDefaults(dailyLimit: 1, maxQueued: 5)
        let first = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1))
        #expect(try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 2)).jobID == nil)
        #expect(try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 1)) == .duplicate(jobID: first, position: 1))
    }

    @Test func positionsCountQueuedJobsOfTheSameModelAhead() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        for update in 1...3 { _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: Int64(update), user: Int64(update))) }
        _ = try await db.queue.enqueueAccepted(Fixtures.request(model: "other"), from: Fixtures.origin(update: 4, user: 4))
        let outcome = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 5, user: 5))
        guard case .accepted(_, let position, _) = outcome else {
            Issue.record("expected accepted, got \(outcome)")
            return
        }
        #expect(position == 4)
    }

    @Test func fiftyConcurrentRequestsAgainstALimitOfTenAcceptExactlyTen() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setQuotaDefaults(dailyLimit: 10, maxQueued: 100)
        var connections: [PostgresConnection] = []
        for _ in 0..<10 { connections.append(try await db.connect()) }
        let outcomes = try await withThrowingTaskGroup(of: [EnqueueOutcome].self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask {
                    var outcomes: [EnqueueOutcome] = []
                    for request in 0..<5 {
                        let update = Int64(10_000 + index * 5 + request)
                        outcomes.append(try await JobQueue(connection).enqueue(Fixtures.request(), from: Fixtures.origin(update: update, user: 77)))
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(outcomes.count == 50)
        #expect(outcomes.filter { $0.jobID != nil }.count == 10)
        #expect(outcomes.filter { if case .dailyLimitReached(let usage) = $0 { usage.usedToday == 10 } else { false } }.count == 40)
        #expect(try await jobCount(db) == 10)
    }

    @Test func pendingLimitBanAndPerUserOverrides() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setQuotaDefaults(dailyLimit: 100, maxQueued: 2)
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1, user: 5))
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 2, user: 5))
        let third = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 3, user: 5))
        #expect(third == .queueFull(QuotaUsage(usedToday: 2, dailyLimit: 100, pending: 2, maxQueued: 2)))

        try await db.queue.setUserQuota(userID: 5, dailyLimit: 3, maxQueued: 10)
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 4, user: 5))
        let overDaily = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 5, user: 5))
        #expect(overDaily == .dailyLimitReached(QuotaUsage(usedToday: 3, dailyLimit: 3, pending: 3, maxQueued: 10)))

        // Cancelling frees queue slots but still counts toward the day.
        #expect(try await db.queue.cancelQueued(userID: 5).count == 3)
        try await db.queue.setUserQuota(userID: 5, dailyLimit: nil, maxQueued: nil, banned: true)
        #expect(try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 6, user: 5)) == .banned)
        #expect(try await jobCount(db) == 3)
    }

    /// The pending limit counts queued and rendering jobs of earlier days too (the quota
    /// check reads them through their own indexes, not through the user's history).
    @Test func pendingCountsQueuedAndRenderingJobsOfEarlierDays() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setQuotaDefaults(dailyLimit: 100, maxQueued: 2)
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1, user: 9))
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 2, user: 9))
        #expect(try await db.queue.claimRenderBatch(owner: "r1", model: "tiny", limit: 1, leaseSeconds: 60).count == 1)
        try await db.connection.query(SQLText(name: "TestYesterday", text: "UPDATE jobs SET created_at = now() - interval '1 day'"))
        try await db.connection.query(SQLText(name: "TestYesterdaysCount", text: "UPDATE user_daily_jobs SET day = day - 1"))
        let third = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 3, user: 9))
        #expect(third == .queueFull(QuotaUsage(usedToday: 0, dailyLimit: 100, pending: 2, maxQueued: 2)))
        #expect(try await db.connection.query(EmbeddedSQL.Queries.quotaOfUser, Int64(9)).first?.decode("pending", as: Int.self) == 2)
    }

    /// The daily count enqueue_jobs keeps agrees with the jobs themselves: a failed job
    /// gives its slot back, a cancelled one does not.
    @Test func aFailedJobGivesItsDailySlotBack() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setQuotaDefaults(dailyLimit: 2, maxQueued: 10)
        let first = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1, user: 3))
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 2, user: 3))
        #expect(try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 3, user: 3)).jobID == nil)

        let claimed = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60)
        #expect(claimed.map(\.lease.jobID) == [first])
        #expect(try await db.queue.failRender(claimed[0].lease, error: "broken", retryable: false) == .failed)
        guard case .accepted(_, _, let quota) = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 4, user: 3)) else {
            Issue.record("the failed job's slot should be free again")
            return
        }
        #expect(quota.usedToday == 2)
        #expect(try await db.queue.cancelQueued(userID: 3).count == 2)
        #expect(try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 5, user: 3)).jobID == nil)
        let audit = try await db.connection.query(SQLText(name: "TestAuditToday", text: """
            SELECT count(*) FILTER (WHERE state <> 'failed') AS counted,
                   (SELECT jobs FROM user_daily_jobs WHERE user_id = 3) AS kept
              FROM jobs WHERE user_id = 3
            """))
        #expect(try audit.first?.decode("counted", as: Int.self) == 2)
        #expect(try audit.first?.decode("kept", as: Int.self) == 2)
    }
}

func jobCount(_ db: TestDatabase) async throws -> Int {
    try await db.connection.query(SQLText(name: "TestJobCount", text: "SELECT count(*) AS n FROM jobs")).first?.decode("n") ?? -1
}

func jobStates(_ db: TestDatabase) async throws -> [Int64: String] {
    var states: [Int64: String] = [:]
    for row in try await db.connection.query(SQLText(name: "TestJobStates", text: "SELECT id, state::text FROM jobs")) {
        states[try row.decode("id")] = try row.decode("state")
    }
    return states
}

@Suite struct QueuePositionCapTests {
    @Test func positionsStopCountingPastAHundred() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        for update in 1...105 {
            _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: Int64(update), user: Int64(update)))
        }
        let outcome = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 106, user: 106))
        guard case .accepted(_, let position, _) = outcome else {
            Issue.record("expected accepted, got \(outcome)")
            return
        }
        #expect(position == 101)
    }
}
