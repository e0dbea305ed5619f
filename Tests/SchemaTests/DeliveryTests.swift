import Foundation
import Schema
import Testing
import TestSupport

@Suite struct DeliveryTests {
    func renderedJob(_ db: TestDatabase, update: Int64 = 1) async throws -> Int64 {
        try await db.queue.setUnlimitedQuotas()
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: update, user: update))
        let job = try #require(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).first)
        #expect(try await db.queue.finishRender(job.lease, png: Data([0x89, 0x50, 0x4e, 0x47])))
        return job.lease.jobID
    }

    @Test func deliveryClaimFinishDropsTheImageButKeepsItsHash() async throws {
        let db = try await TestDatabase.make()
        let id = try await renderedJob(db)
        let claimed = try await db.queue.claimDeliveries(owner: "d1", limit: 10, leaseSeconds: 60)
        #expect(claimed.map(\.lease.jobID) == [id])
        #expect(claimed.first?.png == Data([0x89, 0x50, 0x4e, 0x47]))
        #expect(claimed.first?.request.prompt == "a castle at dusk")
        #expect(try await db.queue.claimDeliveries(owner: "d2", limit: 10, leaseSeconds: 60).isEmpty)
        let lease = try #require(claimed.first?.lease)
        #expect(try await db.queue.finishDelivery(lease, telegramMessageID: 555))
        #expect(try await db.queue.finishDelivery(lease, telegramMessageID: 555) == false)

        let row = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, id).first)
        #expect(try row.decode("state", as: JobState.self) == .delivered)
        #expect(try row.decode("has_image", as: Bool.self) == false)
        #expect(try row.decode("image_sha256", as: Data?.self)?.count == 32)
        #expect(try row.decode("telegram_message_id", as: Int64.self) == 555)
    }

    @Test func aBlockedChatFailsDeliveryAtOnceWithoutANotice() async throws {
        let db = try await TestDatabase.make()
        _ = try await renderedJob(db)
        let lease = try #require(try await db.queue.claimDeliveries(owner: "d", limit: 1, leaseSeconds: 60).first?.lease)
        #expect(try await db.queue.failDelivery(lease, error: "Forbidden: bot was blocked by the user", retryable: false) == .failed)
        #expect(try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60).isEmpty)
    }

    @Test func aKilledDelivererIsRescuedBackToRendered() async throws {
        let db = try await TestDatabase.make()
        let id = try await renderedJob(db)
        let first = try #require(try await db.queue.claimDeliveries(owner: "d1", limit: 1, leaseSeconds: -1).first)
        #expect(try await db.queue.rescueExpiredLeases() == [JobQueue.Rescued(id: id, table: "jobs", newState: "rendered")])
        let second = try #require(try await db.queue.claimDeliveries(owner: "d2", limit: 1, leaseSeconds: 60).first)
        #expect(second.lease.attempt == 2)
        #expect(try await db.queue.finishDelivery(first.lease, telegramMessageID: 1) == false)
        #expect(try await db.queue.failDelivery(second.lease, error: "Bad Gateway", retryable: true, policy: RetryPolicy(baseSeconds: 0)) == .rendered)
    }

    @Test func aLeaseIsRenewedOnlyWhileTheJobIsStillItsHolders() async throws {
        let db = try await TestDatabase.make()
        let id = try await renderedJob(db)
        let first = try #require(try await db.queue.claimDeliveries(owner: "d1", limit: 1, leaseSeconds: -1).first)
        // Expired but not yet handed back: still the holder's, and renewing keeps the rescuer away.
        #expect(try await db.queue.renewDeliveryLease(first.lease, seconds: 60))
        #expect(try await db.queue.rescueExpiredLeases().isEmpty)
        #expect(try await db.queue.renewDeliveryLease(first.lease, seconds: -1))
        #expect(try await db.queue.rescueExpiredLeases() == [JobQueue.Rescued(id: id, table: "jobs", newState: "rendered")])
        #expect(try await db.queue.renewDeliveryLease(first.lease, seconds: 60) == false)
        let second = try #require(try await db.queue.claimDeliveries(owner: "d1", limit: 1, leaseSeconds: 60).first)
        #expect(try await db.queue.renewDeliveryLease(first.lease, seconds: 60) == false, "an earlier attempt of the same owner")
        #expect(try await db.queue.renewDeliveryLease(second.lease, seconds: 60))
    }

    /// Telegram confirmed the photo after its lease ran out and the job was handed back:
    /// it is delivered all the same, and whoever claimed it again must not send it.
    @Test func aPhotoConfirmedAfterItsLeaseWasLostIsRecordedDelivered() async throws {
        let db = try await TestDatabase.make()
        // Handed back, not claimed again.
        let waiting = try await renderedJob(db, update: 1)
        let lost = try #require(try await db.queue.claimDeliveries(owner: "d1", limit: 1, leaseSeconds: -1).first?.lease)
        _ = try await db.queue.rescueExpiredLeases()
        #expect(try await db.queue.finishDelivery(lost, telegramMessageID: 7) == false)
        #expect(try await db.queue.finishDeliveryWithoutLease(lost, telegramMessageID: 7)?.jobID == waiting)
        #expect(try await db.queue.claimDeliveries(owner: "d2", limit: 1, leaseSeconds: 60).isEmpty)
        let row = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, waiting).first)
        #expect(try row.decode("state", as: JobState.self) == .delivered)
        #expect(try row.decode("telegram_message_id", as: Int64.self) == 7)
        #expect(try await db.queue.finishDeliveryWithoutLease(lost, telegramMessageID: 8) == nil, "delivered once")

        // Handed back and claimed again: the new holder finds its lease gone before sending.
        _ = try await renderedJob(db, update: 2)
        let earlier = try #require(try await db.queue.claimDeliveries(owner: "d1", limit: 1, leaseSeconds: -1).first?.lease)
        _ = try await db.queue.rescueExpiredLeases()
        let later = try #require(try await db.queue.claimDeliveries(owner: "d2", limit: 1, leaseSeconds: 60).first?.lease)
        #expect(try await db.queue.finishDeliveryWithoutLease(earlier, telegramMessageID: 9) != nil)
        #expect(try await db.queue.renewDeliveryLease(later, seconds: 60) == false)
        #expect(try await db.queue.finishDelivery(later, telegramMessageID: 10) == false)
        #expect(try await db.queue.rescueExpiredLeases().isEmpty)
    }

    @Test func aMessageConfirmedAfterItsLeaseWasLostIsRecordedSent() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.insertOutbox(OutboxMessage(chatID: 1, kind: "a1"))
        try await db.queue.insertOutbox(OutboxMessage(chatID: 1, kind: "a2"))
        let earlier = try #require(try await db.queue.claimOutbox(owner: "d1", limit: 10, leaseSeconds: -1).first)
        #expect(try await db.queue.renewOutboxLease(earlier, seconds: -1))
        _ = try await db.queue.rescueExpiredLeases()
        #expect(try await db.queue.renewOutboxLease(earlier, seconds: 60) == false)
        let later = try #require(try await db.queue.claimOutbox(owner: "d2", limit: 10, leaseSeconds: 60).first)
        #expect(later.message.kind == "a1")
        #expect(try await db.queue.finishOutbox(earlier, telegramMessageID: 20) == false)
        #expect(try await db.queue.finishOutboxWithoutLease(earlier, telegramMessageID: 20))
        #expect(try await db.queue.renewOutboxLease(later, seconds: 60) == false)
        #expect(try await db.queue.finishOutboxWithoutLease(later, telegramMessageID: 21) == false, "sent once")
        // The chat's next message is due now.
        #expect(try await db.queue.claimOutbox(owner: "d2", limit: 10, leaseSeconds: 60).map(\.message.kind) == ["a2"])
    }

    @Test func outboxMessagesOfOneChatGoOutInOrder() async throws {
        let db = try await TestDatabase.make()
        for (chat, kind) in [(1, "a1"), (1, "a2"), (2, "b1"), (1, "a3")] {
            try await db.queue.insertOutbox(OutboxMessage(chatID: Int64(chat), kind: kind, argsJSON: #"{"n": 1}"#))
        }
        var batch = try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60)
        #expect(batch.map(\.message.kind) == ["a1", "b1"])
        // While a1 is in flight nothing else of chat 1 is due.
        #expect(try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60).isEmpty)
        #expect(try await db.queue.finishOutbox(batch[0], telegramMessageID: 10))
        // A retryable failure keeps its place in line.
        batch = try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60)
        #expect(batch.map(\.message.kind) == ["a2"])
        #expect(try await db.queue.failOutbox(batch[0], error: "Too Many Requests", retryable: true, policy: RetryPolicy(baseSeconds: 0)) == "pending")
        batch = try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60)
        #expect(batch.map(\.message.kind) == ["a2"])
        #expect(batch.first?.attempt == 2)
        #expect(try await db.queue.finishOutbox(batch[0], telegramMessageID: 11))
        #expect(try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60).map(\.message.kind) == ["a3"])
    }

    @Test func purgeBlanksOldPromptsAndKeepsHashesAndCounts() async throws {
        let db = try await TestDatabase.make()
        let id = try await renderedJob(db)
        let lease = try #require(try await db.queue.claimDeliveries(owner: "d", limit: 1, leaseSeconds: 60).first?.lease)
        #expect(try await db.queue.finishDelivery(lease, telegramMessageID: 1, keepImage: true))
        #expect(try await db.queue.purgePrompts(olderThanDays: 1) == 0)
        try await db.connection.query(SQLText(name: "TestAge", text: "UPDATE jobs SET created_at = now() - interval '40 days'"))
        #expect(try await db.queue.purgePrompts(olderThanDays: 30) == 1)
        let row = try #require(try await db.connection.query(
            SQLText(name: "TestPurged", text: "SELECT prompt, octet_length(prompt_sha256) AS h, image_png IS NULL AS gone, image_sha256 IS NOT NULL AS kept FROM jobs WHERE id = $1"), id).first)
        #expect(try row.decode("prompt", as: String.self) == "")
        #expect(try row.decode("h", as: Int.self) == 32)
        #expect(try row.decode("gone", as: Bool.self))
        #expect(try row.decode("kept", as: Bool.self))
        #expect(try await db.queue.purgePrompts(olderThanDays: 30) == 0)
    }
}
