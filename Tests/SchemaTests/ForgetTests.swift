import Foundation
import Schema
import Testing
import TestSupport

/// /forget in SQL (forget_user, sql/migrations/0013_privacy.sql): one user's prompts,
/// images, previews, quoted words and settings go at once, whatever state their jobs are
/// in; another user's rows and what quotas need stay.
@Suite struct ForgetTests {
    static let png = Data([0x89, 0x50, 0x4e, 0x47])
    static let alice: Int64 = 7
    static let bob: Int64 = 8
    static let noWait = RetryPolicy(baseSeconds: 0, capSeconds: 0)

    @discardableResult
    func sql(_ db: TestDatabase, _ text: String, _ binds: any PostgresEncodable...) async throws -> [PostgresRow] {
        try await db.connection.query(SQLText(name: "forget_\(abs(text.hashValue))", text: text), binds: binds)
    }

    func count(_ db: TestDatabase, _ text: String, _ binds: any PostgresEncodable...) async throws -> Int {
        try await db.connection.query(SQLText(name: "forget_\(abs(text.hashValue))", text: text), binds: binds)
            .first?.decode("n") ?? -1
    }

    @Test func everyStateOfOneUserIsErasedAndNothingOfAnother() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        // Alice's jobs 1–7 and Bob's 8, in one render batch.
        var update: Int64 = 0
        func enqueue(_ prompt: String, _ user: Int64) async throws -> Int64 {
            update += 1
            return try await db.queue.enqueueAccepted(Fixtures.request(prompt), from: Fixtures.origin(update: update, user: user))
        }
        var alice: [Int64] = []
        for index in 1...7 { alice.append(try await enqueue("alice-secret \(index)", Self.alice)) }
        let bobDelivered = try await enqueue("bob-secret 1", Self.bob)
        let claimed = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 8, leaseSeconds: 60)
        #expect(claimed.count == 8)
        let leases = Dictionary(uniqueKeysWithValues: claimed.map { ($0.lease.jobID, $0.lease) })
        func lease(_ id: Int64) throws -> JobQueue.Lease { try #require(leases[id]) }
        // Alice's 4th job stays rendering too, beside her 2nd.
        let (delivered, rendering, rendered, sending, retried, failed) = (alice[0], alice[1], alice[2], alice[4], alice[6], alice[5])
        let finished = try await db.queue.finishRenders([delivered, rendered, sending, retried, bobDelivered].map { (try lease($0), Self.png) })
        #expect(finished.count == 5)
        #expect(try await db.queue.failRender(try lease(failed), error: "out of memory", retryable: false) == .failed)
        try await db.queue.storePreviews([(try lease(rendering), Self.png)], step: 2)
        let deliveries = Dictionary(uniqueKeysWithValues: try await db.queue.claimDeliveries(owner: "d", limit: 10, leaseSeconds: 60).map { ($0.lease.jobID, $0.lease) })
        #expect(deliveries.count == 5)
        func delivery(_ id: Int64) throws -> JobQueue.Lease { try #require(deliveries[id]) }
        let photos = try [delivered, bobDelivered].map { (lease: try delivery($0), telegramMessageID: Int64?(1)) }
        #expect(try await db.queue.finishDeliveries(photos, keepImages: true).count == 2)
        #expect(try await db.queue.failDelivery(try delivery(rendered), error: "502", retryable: true, policy: Self.noWait) == .rendered)
        let queued = try await enqueue("alice-secret 9", Self.alice)
        let bobQueued = try await enqueue("bob-secret 2", Self.bob)
        // Replies quoting their words: Alice's sent and pending, Bob's sent.
        for (user, state) in [(Self.alice, "sent"), (Self.alice, "pending"), (Self.bob, "sent")] {
            let id = try await db.queue.insertReply(OutboxMessage(
                chatID: user, kind: "rejected", argsJSON: #"{"rejection": {"unknownLora": {"name": "secret-of-\#(user)"}}}"#), userID: user)
            if state == "sent" { try await sql(db, "UPDATE outbox SET state = 'sent', sent_at = now() WHERE id = $1", id) }
        }
        let rule = try #require(try await db.queue.promptRules().first)
        try await db.queue.recordRefusedPrompt(userID: Self.alice, chatID: -100, rule: rule)
        try await db.queue.recordRefusedPrompt(userID: Self.bob, chatID: Self.bob, rule: rule)

        let forgotten = try await db.queue.forgetUser(Self.alice)
        #expect(forgotten == JobQueue.Forgotten(prompts: 8, images: 4, cancelled: 4, messages: 3, refusals: 1, settings: true))

        // Each state as the stages will find it.
        let states = Dictionary(uniqueKeysWithValues: try await sql(db, "SELECT id, state::text AS state FROM jobs").map {
            (try $0.decode("id", as: Int64.self), try $0.decode("state", as: String.self))
        })
        #expect(states[rendering] == "cancelled" && states[alice[3]] == "cancelled" && states[rendered] == "cancelled")
        #expect(states[queued] == "cancelled")
        #expect(states[delivered] == "delivered" && states[failed] == "failed" && states[sending] == "delivering")
        #expect(try await db.queue.finishRenders([(try lease(rendering), Self.png)]).isEmpty, "the Renderer's result is thrown away")
        #expect(try await count(db, "SELECT count(*) AS n FROM job_previews") == 0)
        // A photo being sent keeps its PNG until the send ends, then loses it; a send that
        // would be retried is cancelled instead.
        #expect(try await count(db, "SELECT count(*) AS n FROM jobs WHERE id = $1 AND image_png IS NOT NULL", sending) == 1)
        #expect(try await db.queue.finishDelivery(try delivery(sending), telegramMessageID: 2, keepImage: true))
        #expect(try await db.queue.failDelivery(try delivery(retried), error: "502", retryable: true, policy: Self.noWait) == .cancelled)

        let aliceJobs = try await sql(db, """
            SELECT prompt, negative_prompt, image_png IS NULL AS no_image, prompt_purged_at IS NOT NULL AS purged,
                   prompt_sha256, user_id FROM jobs WHERE user_id = $1
            """, Self.alice)
        #expect(aliceJobs.count == 8)
        for row in aliceJobs {
            #expect(try row.decode("prompt", as: String.self) == "" && row.decode("negative_prompt", as: String.self) == "")
            #expect(try row.decode("no_image", as: Bool.self) && row.decode("purged", as: Bool.self))
            #expect(try row.decode("prompt_sha256", as: Data.self).count == 32, "hashes stay for audits")
        }
        #expect(try await count(db, "SELECT count(*) AS n FROM jobs WHERE prompt LIKE '%alice-secret%'") == 0)
        #expect(try await count(db, "SELECT count(*) AS n FROM outbox WHERE args::text LIKE '%secret-of-7%'") == 0)
        #expect(try await count(db, "SELECT count(*) AS n FROM outbox WHERE user_id = $1 AND state = 'failed' AND args = '{}'", Self.alice) == 1,
                "the unsent reply is not sent any more")
        #expect(try await count(db, "SELECT count(*) AS n FROM outbox o JOIN jobs j ON j.id = o.job_id WHERE o.kind = 'job_failed' AND o.args = '{}'") == 1)
        #expect(try await count(db, "SELECT count(*) AS n FROM refused_prompts WHERE user_id = $1 OR chat_id = -100", Self.alice) == 0)
        #expect(try await count(db, "SELECT count(*) AS n FROM users WHERE user_id = $1", Self.alice) == 0)
        // What quotas need stays: today's count of Alice's jobs.
        #expect(try await count(db, "SELECT jobs AS n FROM user_daily_jobs WHERE user_id = $1", Self.alice) == 7, "the failed job gave its slot back")

        // Bob is untouched.
        #expect(try await count(db, "SELECT count(*) AS n FROM jobs WHERE user_id = $1 AND prompt LIKE 'bob-secret%' AND prompt_purged_at IS NULL", Self.bob) == 2)
        #expect(try await count(db, "SELECT count(*) AS n FROM jobs WHERE id = $1 AND image_png IS NOT NULL", bobDelivered) == 1)
        #expect(try await count(db, "SELECT count(*) AS n FROM jobs WHERE id = $1 AND state = 'queued'", bobQueued) == 1)
        #expect(try await count(db, "SELECT count(*) AS n FROM outbox WHERE args::text LIKE '%secret-of-8%'") == 1)
        #expect(try await count(db, "SELECT count(*) AS n FROM refused_prompts WHERE user_id = $1", Self.bob) == 1)
        #expect(try await count(db, "SELECT count(*) AS n FROM users WHERE user_id = $1 AND language_code = 'es'", Self.bob) == 1)

        // Twice is harmless.
        #expect(try await db.queue.forgetUser(Self.alice) == JobQueue.Forgotten(prompts: 0, images: 0, cancelled: 0, messages: 0, refusals: 0, settings: false))
    }

    @Test func anOperatorsBanAndLimitsStayOnlyTheLanguageGoes() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUserQuota(userID: 9, dailyLimit: 5, maxQueued: nil, banned: true)
        try await sql(db, "UPDATE users SET language_code = 'es', banned_reason = 'spam' WHERE user_id = 9")
        #expect(try await db.queue.forgetUser(9).settings)
        let row = try #require(try await sql(db, "SELECT banned, banned_reason, daily_limit, language_code FROM users WHERE user_id = 9").first)
        #expect(try row.decode("banned", as: Bool.self))
        #expect(try row.decode("banned_reason", as: String?.self) == "spam")
        #expect(try row.decode("daily_limit", as: Int?.self) == 5)
        #expect(try row.decode("language_code", as: String?.self) == nil)
        #expect(try await db.queue.forgetUser(9).settings == false)
    }
}
