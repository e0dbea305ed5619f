import Foundation
import RenderStage
import Schema
import Testing
import TestSupport

/// What the Renderer does with the safety checker's verdicts (the stand-in engine flags
/// prompts that contain "flagged"): the policy, a chat's own policy, automatic bans.
extension RenderServiceTests {
    struct JobRow {
        var state: String
        var hasImage: Bool
        var imageSHA256: Data?
        var nsfw: Bool?
        var action: String?
    }

    func job(_ db: TestDatabase, _ id: Int64) async throws -> JobRow {
        let sql = SQLText(name: "TestSafetyRow", text: """
            SELECT state::text AS state, image_png IS NOT NULL AS has_image, image_sha256, nsfw, nsfw_action FROM jobs WHERE id = $1
            """)
        let row = try #require(try await db.connection.query(sql, id).first)
        return JobRow(state: try row.decode("state"), hasImage: try row.decode("has_image"), imageSHA256: try row.decode("image_sha256"),
                      nsfw: try row.decode("nsfw"), action: try row.decode("nsfw_action"))
    }

    func notices(_ db: TestDatabase, kind: String) async throws -> [Int64] {
        let sql = SQLText(name: "TestNotices", text: "SELECT job_id FROM outbox WHERE kind = $1 ORDER BY job_id")
        return try await db.connection.query(sql, kind).map { try $0.decode("job_id") }
    }

    /// By default a flagged image is never stored: the job fails with a notice and keeps the
    /// image's hash; a clean image of the same batch is stored as usual.
    @Test func aFlaggedImageIsBlockedAndItsBatchMateIsNot() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let flagged = try await db.queue.enqueueAccepted(Fixtures.request("a flagged cat"), from: Fixtures.origin(update: 1))
        let clean = try await db.queue.enqueueAccepted(Fixtures.request("a cat"), from: Fixtures.origin(update: 2))
        let harness = try await start(db, engine: StandInEngine())
        _ = try await settle(db)
        try await harness.stop()
        #expect(harness.engine.batches.map(\.count) == [2], "one batch, one check")

        let blocked = try await job(db, flagged)
        #expect(blocked.state == "failed" && !blocked.hasImage && blocked.nsfw == true && blocked.action == "blocked")
        let hash = SQLText(name: "TestHash", text: "SELECT sha256(convert_to('png:a flagged cat', 'UTF8')) AS h")
        #expect(blocked.imageSHA256 != nil)
        #expect(blocked.imageSHA256 == (try await db.connection.query(hash).first?.decode("h", as: Data.self)))
        #expect(try await notices(db, kind: "image_blocked") == [flagged])
        #expect(try await notices(db, kind: "job_failed").isEmpty)

        let kept = try await job(db, clean)
        #expect(kept.state == "rendered" && kept.hasImage && kept.nsfw == false && kept.action == nil)
        let audit = SQLText(name: "TestFlaggedAudit", text: "SELECT flagged, blocked FROM flagged_images_per_user_per_day")
        let rows = try await db.connection.query(audit)
        #expect(rows.count == 1)
        #expect(try rows.first?.decode("blocked", as: Int64.self) == 1)
    }

    /// A chat's row in chat_nsfw_policies wins over the Renderer's policy, either way.
    @Test func aChatsOwnPolicyWins() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let policies = SQLText(name: "TestChatPolicies", text: "INSERT INTO chat_nsfw_policies (chat_id, policy) VALUES (-500, 'spoiler'), (-600, 'block')")
        try await db.connection.query(policies)
        let inSpoilerChat = try await db.queue.enqueueAccepted(Fixtures.request("a flagged cat"), from: Fixtures.origin(update: 1, chat: -500))
        let inStrictChat = try await db.queue.enqueueAccepted(Fixtures.request("a flagged dog"), from: Fixtures.origin(update: 2, chat: -600))
        let elsewhere = try await db.queue.enqueueAccepted(Fixtures.request("a flagged bird"), from: Fixtures.origin(update: 3))
        let harness = try await start(db, engine: StandInEngine()) { $0.nsfwPolicy = .allow }
        _ = try await settle(db)
        try await harness.stop()
        let spoiler = try await job(db, inSpoilerChat)
        #expect(spoiler.state == "rendered" && spoiler.hasImage && spoiler.action == "spoiler")
        #expect(try await job(db, inStrictChat).action == "blocked")
        let allowed = try await job(db, elsewhere)
        #expect(allowed.state == "rendered" && allowed.action == "allowed")
    }

    /// LIENZO_AUTO_BAN_AFTER: the user whose blocked images in 24 hours reach it is banned;
    /// another user with fewer is not.
    @Test func blockedImagesBanAUserAtTheThreshold() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        for update in 1...3 {
            _ = try await db.queue.enqueueAccepted(Fixtures.request("flagged \(update)", steps: 3 + update), from: Fixtures.origin(update: Int64(update), user: 7))
        }
        _ = try await db.queue.enqueueAccepted(Fixtures.request("flagged once"), from: Fixtures.origin(update: 9, user: 8))
        let harness = try await start(db, engine: StandInEngine()) { $0.autoBanAfter = 3 }
        _ = try await settle(db)
        try await harness.stop()
        let users = SQLText(name: "TestBans", text: "SELECT user_id, banned, banned_reason FROM users WHERE user_id IN (7, 8) ORDER BY user_id")
        let rows = try await db.connection.query(users)
        let banned = try rows.map { (try $0.decode("user_id", as: Int64.self), try $0.decode("banned", as: Bool.self)) }
        #expect(banned.first { $0.0 == 7 }?.1 == true)
        #expect(banned.first { $0.0 == 8 }?.1 != true)
        #expect(try rows.first?.decode("banned_reason", as: String?.self)?.contains("3 images blocked") == true)
    }
}
