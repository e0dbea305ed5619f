import Foundation
import Schema
import Testing
import TestSupport

@Suite struct LeaseTests {
    func oneClaimedJob(_ db: TestDatabase, leaseSeconds: Double = 60, maxAttempts: Int = 3) async throws -> JobQueue.ClaimedJob {
        try await db.queue.setUnlimitedQuotas()
        _ = try await db.queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 1), maxAttempts: maxAttempts)
        return try #require(try await db.queue.claimRenderBatch(owner: "r1", model: "tiny", limit: 1, leaseSeconds: leaseSeconds).first)
    }

    @Test func anExpiredLeaseIsRescuedAndTheOldOwnerCannotFinish() async throws {
        let db = try await TestDatabase.make()
        let job = try await oneClaimedJob(db, leaseSeconds: -1)  // already expired
        let rescued = try await db.queue.rescueExpiredLeases()
        #expect(rescued == [JobQueue.Rescued(id: job.lease.jobID, table: "jobs", newState: "queued")])
        #expect(try await db.queue.rescueExpiredLeases().isEmpty)

        // Someone else claims it; the first owner's late result is refused.
        let again = try #require(try await db.queue.claimRenderBatch(owner: "r2", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(again.lease.attempt == 2)
        #expect(try await db.queue.finishRender(job.lease, png: Data([1])) == false)
        #expect(try await db.queue.extendRenderLeases([job.lease], leaseSeconds: 60).isEmpty)
        #expect(try await db.queue.failRender(job.lease, error: "late", retryable: true) == nil)
        #expect(try await db.queue.finishRender(again.lease, png: Data([1, 2])) == true)
        #expect(try await db.queue.finishRender(again.lease, png: Data([1, 2])) == false)

        let row = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, job.lease.jobID).first)
        #expect(try row.decode("state", as: JobState.self) == .rendered)
        #expect(try row.decode("image_bytes", as: Int.self) == 2)
        #expect(try row.decode("errors", as: String.self).contains("lease expired"))
    }

    @Test func theSameOwnerClaimingAgainCannotFinishTheOldAttempt() async throws {
        let db = try await TestDatabase.make()
        let job = try await oneClaimedJob(db, leaseSeconds: -1)
        _ = try await db.queue.rescueExpiredLeases()
        let again = try #require(try await db.queue.claimRenderBatch(owner: "r1", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(try await db.queue.finishRender(job.lease, png: Data([9])) == false)
        #expect(try await db.queue.extendRenderLeases([job.lease, again.lease], leaseSeconds: 60, step: 3) == [again.lease.jobID])
    }

    @Test func retriesBackOffThenFailWithANoticeAfterMaxAttempts() async throws {
        let db = try await TestDatabase.make()
        var job = try await oneClaimedJob(db, maxAttempts: 2)
        // Attempt 1 fails: re-queued, but not due for 60 s.
        #expect(try await db.queue.failRender(job.lease, error: "out of memory", retryable: true, policy: RetryPolicy(baseSeconds: 60)) == .queued)
        #expect(try await db.queue.claimRenderBatch(owner: "r1", model: "tiny", limit: 1, leaseSeconds: 60).isEmpty)
        // Attempt 1 again with no backoff, to reach attempt 2.
        try await db.connection.query(SQLText(name: "TestMakeDue", text: "UPDATE jobs SET scheduled_at = now()"))
        job = try #require(try await db.queue.claimRenderBatch(owner: "r1", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(job.lease.attempt == 2)
        #expect(try await db.queue.failRender(job.lease, error: "out of memory", retryable: true, policy: RetryPolicy(baseSeconds: 0)) == .failed)

        let notices = try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60)
        #expect(notices.map(\.message.kind) == ["job_failed"])
        #expect(notices.first?.message.argsJSON.contains("out of memory") == true)
        #expect(notices.first?.message.replyToMessageID == 10)
        let errors = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, job.lease.jobID).first).decode("errors", as: String.self)
        #expect(errors.components(separatedBy: "out of memory").count == 3)
    }

    @Test func aRejectedJobFailsAtOnce() async throws {
        let db = try await TestDatabase.make()
        let job = try await oneClaimedJob(db)
        #expect(try await db.queue.failRender(job.lease, error: "size not supported", retryable: false) == .failed)
    }

    @Test func theLastAttemptsExpiredLeaseFailsTheJob() async throws {
        let db = try await TestDatabase.make()
        let job = try await oneClaimedJob(db, leaseSeconds: -1, maxAttempts: 1)
        #expect(try await db.queue.rescueExpiredLeases().map(\.newState) == ["failed"])
        #expect(try await jobStates(db)[job.lease.jobID] == "failed")
        #expect(try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60).map(\.message.kind) == ["job_failed"])
    }

    @Test func releasingOnShutdownDoesNotSpendAnAttempt() async throws {
        let db = try await TestDatabase.make()
        let job = try await oneClaimedJob(db)
        #expect(job.lease.attempt == 1)
        #expect(try await jobStates(db)[job.lease.jobID] == "rendering")
        #expect(try await db.queue.releaseRender([job.lease]) == [job.lease.jobID])
        #expect(try await jobStates(db)[job.lease.jobID] == "queued")
        let again = try #require(try await db.queue.claimRenderBatch(owner: "r2", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(again.lease.attempt == 1)
    }

    @Test func cancellingARenderingJobMakesItsResultUnfinishable() async throws {
        let db = try await TestDatabase.make()
        let job = try await oneClaimedJob(db)
        // /cancel takes only queued jobs…
        #expect(try await db.queue.cancelQueued(userID: 1000).isEmpty)
        try await db.queue.releaseRender([job.lease])
        #expect(try await db.queue.cancelQueued(userID: 1000, jobID: job.lease.jobID) == [job.lease.jobID])
        // …and a cancelled job is never claimed again.
        #expect(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).isEmpty)
    }
}
