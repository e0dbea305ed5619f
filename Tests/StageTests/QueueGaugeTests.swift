import Foundation
import Schema
import StageSupport
import Testing
import TestSupport

/// Deliver's queue gauges (`QueueGaugeService`), read from rows put in known states and
/// exported through the stages' metrics backend. The models are this suite's own, so no
/// other test's jobs show in these series.
@Suite struct QueueGaugeTests {
    static let profile = ModelProfile(
        kind: "standard", defaultSteps: 20, maxSteps: 50, defaultGuidance: 7.5, minGuidance: 0, maxGuidance: 20,
        defaultSampler: "euler", samplers: ["euler"], defaultWidth: 512, defaultHeight: 512)

    static func jobs(_ state: String, _ model: String) -> Double? {
        StageMetrics.sample(#"lienzo_queue_jobs{model="\#(model)",state="\#(state)"}"#)
    }

    static func oldestAge(_ model: String) -> Double? {
        StageMetrics.sample(#"lienzo_queue_oldest_age_seconds{model="\#(model)"}"#)
    }

    @Test func gaugesCountUnfinishedJobsPerStateAndModel() async throws {
        _ = StageMetrics.registry
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        // busy: jobs in every state; idle: a published profile and no job; orphan: a queued
        // job and no profile (no Renderer ever served it).
        let (busy, idle, orphan) = ("gauge-busy", "gauge-idle", "gauge-orphan")
        try await db.queue.publishProfile(model: idle, Self.profile)
        var ids: [Int64] = []
        for update in 1...8 {
            ids.append(try await db.queue.enqueueAccepted(
                Fixtures.request(model: busy), from: Fixtures.origin(update: Int64(update), user: Int64(update))))
        }
        _ = try await db.queue.enqueueAccepted(Fixtures.request(model: orphan), from: Fixtures.origin(update: 9, user: 9))
        // 6 claimed (2 stay queued); 4 rendered; 3 of them claimed for sending, 2 sent; 1 failed.
        let claimed = try await db.queue.claimRenderBatch(owner: "r", model: busy, limit: 6, leaseSeconds: 60)
        #expect(claimed.count == 6)
        #expect(try await db.queue.finishRenders(claimed.prefix(4).map { ($0.lease, StandInRenderer.png) }).count == 4)
        let sending = try await db.queue.claimDeliveries(owner: "d", limit: 3, leaseSeconds: 60)
        #expect(sending.count == 3)
        #expect(try await db.queue.finishDeliveries(sending.prefix(2).map { (lease: $0.lease, telegramMessageID: Int64?(1)) }).count == 2)
        #expect(try await db.queue.failRender(claimed[4].lease, error: "boom", retryable: false) == .failed)
        // The two still queued were queued 90 and 30 seconds ago by the database's clock.
        for (id, seconds) in zip(ids.suffix(2), [90.0, 30.0]) {
            try await db.sql("UPDATE jobs SET created_at = now() - make_interval(secs => $2) WHERE id = $1", id, seconds)
        }

        let service = QueueGaugeService(queue: db.queue, interval: .seconds(15), logger: TestDatabase.testLogger)
        let shown = try await service.round()

        for (state, count) in [("queued", 2.0), ("rendering", 1), ("rendered", 1), ("delivering", 1)] {
            #expect(Self.jobs(state, busy) == count, "\(state)")
            #expect(Self.jobs(state, idle) == 0, "\(state): a served model with nothing to do reads 0")
        }
        #expect(Self.jobs("queued", orphan) == 1)
        #expect(Self.jobs("delivered", busy) == nil && Self.jobs("failed", busy) == nil, "finished states are not counted")
        let age = try #require(Self.oldestAge(busy))
        #expect(age >= 90 && age < 100, "the oldest queued job, not the newest: \(age)")
        #expect(Self.oldestAge(idle) == 0)
        #expect(shown.count == 3 * 5, "4 states and the oldest age, for each of 3 models")

        // The orphan's job is cancelled: the database no longer names its model, and its
        // series read 0 instead of keeping their last values.
        #expect(try await db.queue.cancelQueued(userID: 9).count == 1)
        let after = try await service.round(shown: shown)
        #expect(Self.jobs("queued", orphan) == 0)
        #expect(Self.oldestAge(orphan) == 0)
        #expect(after.count == 2 * 5)
    }
}
