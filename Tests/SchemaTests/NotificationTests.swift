import Foundation
import Schema
import Testing
import TestSupport

@Suite struct NotificationTests {
    @Test func enqueueAndRenderWakeTheirListeners() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let listener = try await db.connect()
        try await listener.listen(db.queue.channels.jobsQueued)
        try await listener.listen(db.queue.channels.jobsRendered)
        #expect(try await listener.waitForNotifications(timeout: .milliseconds(50)).isEmpty)

        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1))
        let queued = try await listener.waitForNotifications(timeout: .seconds(5))
        #expect(queued == [PostgresNotification(channel: db.queue.channels.jobsQueued, payload: "tiny")])

        let job = try #require(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(try await db.queue.finishRender(job.lease, png: Data([1])))
        let rendered = try await listener.waitForNotifications(timeout: .seconds(5))
        #expect(rendered.map(\.channel) == [db.queue.channels.jobsRendered])
    }
}

@Suite struct QueueWaiterTests {
    @Test func aWaiterWakesOnNotifyAndOtherwiseAfterAJitteredPoll() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let waiter = try await QueueWaiter.listening(
            on: try await db.connect(), to: [db.queue.channels.jobsQueued], pollInterval: .milliseconds(100), jitter: 0.5)
        let timeouts = (0..<200).map { _ in waiter.nextTimeout() }
        #expect(timeouts.allSatisfy { $0 >= .milliseconds(50) && $0 <= .milliseconds(150) })
        #expect(Set(timeouts).count > 10, "jitter varies the interval")
        #expect(try await waiter.wait() == .pollInterval)

        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1))
        #expect(try await waiter.wait() == .notified([PostgresNotification(channel: db.queue.channels.jobsQueued, payload: "tiny")]))
    }
}

@Suite struct EnqueueAnnouncementTests {
    @Test func onlyAJobWithNothingDueAheadIsAnnounced() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let listener = try await db.connect()
        try await listener.listen(db.queue.channels.jobsQueued)

        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1, user: 1))
        #expect(try await listener.waitForNotifications(timeout: .seconds(5)).count == 1)
        // A second job behind a due one: whoever claims the first takes it too.
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 2, user: 2))
        #expect(try await listener.waitForNotifications(timeout: .milliseconds(200)).isEmpty)

        // Both claimed; the first fails and waits out a backoff: not due, so a new job is announced.
        let batch = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 2, leaseSeconds: 60)
        #expect(batch.count == 2)
        _ = try await db.queue.finishRender(batch[1].lease, png: Data([1]))
        _ = try await db.queue.failRender(batch[0].lease, error: "oops", retryable: true, policy: RetryPolicy(baseSeconds: 60))
        _ = try await listener.waitForNotifications(timeout: .milliseconds(200))  // the retry's and the render's own
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 3, user: 3))
        let announced = try await listener.waitForNotifications(timeout: .seconds(5))
        #expect(announced == [PostgresNotification(channel: db.queue.channels.jobsQueued, payload: "tiny")])
    }
}
