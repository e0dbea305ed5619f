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
