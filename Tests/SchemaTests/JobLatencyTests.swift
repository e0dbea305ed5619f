import Foundation
import Schema
import Testing
import TestSupport

/// The spans of a job's life that the claims and finishes return for the latency
/// histograms: taken from the row's own timestamps, so a stage measures waits that began
/// before it started.
@Suite struct JobLatencyTests {
    @Test func theQueueWaitComesFromTheRowAndOnlyWithTheFirstClaim() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1))
        try await db.sql("UPDATE jobs SET created_at = now() - interval '100 seconds'")
        let first = try #require(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).first)
        let wait = try #require(first.queueWait)
        #expect(wait >= 100 && wait < 110, "\(wait)")

        // Released at shutdown, then failed and retried: each job's wait counts once.
        #expect(try await db.queue.releaseRender([first.lease]).count == 1)
        let again = try #require(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(again.queueWait == nil)
        #expect(try await db.queue.failRender(again.lease, error: "boom", retryable: true, policy: RetryPolicy(baseSeconds: 0)) == .queued)
        let retry = try #require(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(retry.lease.attempt == 2 && retry.queueWait == nil)
    }

    @Test func finishesReturnTheSpansSinceQueuedAndSinceRendered() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        for update in 1...2 {
            _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: Int64(update), user: Int64(update)))
        }
        let claimed = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 2, leaseSeconds: 60)
        try await db.sql("UPDATE jobs SET created_at = now() - interval '100 seconds'")
        let rendered = try await db.queue.finishRendersWithLatency(claimed.map { JobQueue.RenderResult(lease: $0.lease, png: Data([1])) })
        #expect(rendered.map(\.jobID).sorted() == claimed.map(\.lease.jobID))
        for job in rendered {
            #expect(job.model == "tiny" && job.sinceRendered == nil)
            #expect(job.sinceQueued >= 100 && job.sinceQueued < 110, "\(job.sinceQueued)")
        }

        // Rendered 30 s ago, queued 130 s ago; one sent under its lease, one after losing it.
        try await db.sql("UPDATE jobs SET created_at = created_at - interval '30 seconds', rendered_at = rendered_at - interval '30 seconds'")
        let sending = try await db.queue.claimDeliveries(owner: "d", limit: 2, leaseSeconds: 60)
        let delivered = try await db.queue.finishDeliveriesWithLatency([(lease: sending[0].lease, telegramMessageID: Int64?(1))])
        let late = try #require(try await db.queue.finishDeliveryWithoutLease(sending[1].lease, telegramMessageID: 2))
        #expect(delivered.map(\.jobID) == [sending[0].lease.jobID])
        #expect(late.jobID == sending[1].lease.jobID)
        for job in delivered + [late] {
            #expect(job.model == "tiny")
            #expect(job.sinceQueued >= 130 && job.sinceQueued < 140, "\(job.sinceQueued)")
            let sinceRendered = try #require(job.sinceRendered)
            #expect(sinceRendered >= 30 && sinceRendered < 40, "\(sinceRendered)")
        }
    }
}
