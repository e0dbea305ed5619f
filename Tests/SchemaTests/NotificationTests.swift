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
