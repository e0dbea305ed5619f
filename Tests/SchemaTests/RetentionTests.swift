import Foundation
import Schema
import Testing
import TestSupport

/// Retention (purge_expired, sql/migrations/0013_privacy.sql): bounded batches, oldest
/// first, idempotent, only finished jobs, hashes and counts kept, progress in the view.
@Suite struct RetentionTests {
    static let png = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    static let day: Duration = .seconds(86_400)

    /// `count` jobs of `user`, delivered with their PNG kept (as DELIVER_KEEP_IMAGES does).
    func deliveredJobs(_ db: TestDatabase, count: Int, user: Int64 = 7, firstUpdate: Int64 = 1) async throws -> [Int64] {
        try await db.queue.setUnlimitedQuotas()
        for index in 0..<Int64(count) {
            _ = try await db.queue.enqueueAccepted(
                Fixtures.request("a lighthouse \(index)"), from: Fixtures.origin(update: firstUpdate + index, user: user))
        }
        var rendered: [JobQueue.Lease] = []
        while rendered.count < count {
            let batch = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 8, leaseSeconds: 60)
            _ = try await db.queue.finishRenders(batch.map { ($0.lease, Self.png) })
            rendered += batch.map(\.lease)
        }
        let claimed = try await db.queue.claimDeliveries(owner: "d", limit: count, leaseSeconds: 60)
        let finished = try await db.queue.finishDeliveries(claimed.map { (lease: $0.lease, telegramMessageID: Int64?(1)) }, keepImages: true)
        #expect(finished.count == count)
        return claimed.map(\.lease.jobID).sorted()
    }

    @discardableResult
    func sql(_ db: TestDatabase, _ text: String, _ binds: any PostgresEncodable...) async throws -> [PostgresRow] {
        try await db.connection.query(SQLText(name: "retention_\(abs(text.hashValue))", text: text), binds: binds)
    }

    func count(_ db: TestDatabase, _ text: String) async throws -> Int {
        try await sql(db, text).first?.decode("n") ?? -1
    }

    @Test func imagesGoInBoundedBatchesOldestFirstAndOnlyOnce() async throws {
        let db = try await TestDatabase.make()
        let ids = try await deliveredJobs(db, count: 7)
        // Delivered 2 days ago, the last one an hour ago (within the 24 h window).
        try await sql(db, "UPDATE jobs SET delivered_at = now() - interval '2 days' - make_interval(secs => id) WHERE id <> $1", ids[6])
        try await sql(db, "UPDATE jobs SET delivered_at = now() - interval '1 hour' WHERE id = $1", ids[6])
        var rounds: [Int] = []
        var order: [Int64] = []
        for _ in 0..<5 {
            let before = Set(try await sql(db, "SELECT id FROM jobs WHERE image_png IS NOT NULL").map { try $0.decode("id", as: Int64.self) })
            let purged = try await db.queue.purgeExpired(keepImagesFor: Self.day, keepPromptsFor: Self.day * 30, limit: 4)
            #expect(purged.prompts == 0 && purged.messages == 0)
            rounds.append(purged.images)
            let after = Set(try await sql(db, "SELECT id FROM jobs WHERE image_png IS NOT NULL").map { try $0.decode("id", as: Int64.self) })
            order += before.subtracting(after).sorted()
        }
        #expect(rounds == [4, 2, 0, 0, 0])
        // Oldest delivered first: the higher the id, the older (see the UPDATE above).
        #expect(Array(order.prefix(4)) == Array(ids[2..<6]))
        let rows = try await sql(db, "SELECT id, image_png IS NOT NULL AS kept, image_sha256, image_bytes, prompt FROM jobs ORDER BY id")
        #expect(try rows.map { try $0.decode("kept", as: Bool.self) } == [false, false, false, false, false, false, true])
        #expect(try rows.allSatisfy { try $0.decode("image_sha256", as: Data?.self)?.count == 32 && $0.decode("image_bytes", as: Int.self) == 8 })
        #expect(try rows.allSatisfy { try !$0.decode("prompt", as: String.self).isEmpty }, "prompts have their own window")
    }

    @Test func promptsOfFinishedJobsGoAfterTheirWindowWithTheirEchoes() async throws {
        let db = try await TestDatabase.make()
        let ids = try await deliveredJobs(db, count: 5)
        let failed = try await db.queue.enqueueAccepted(Fixtures.request("a failed one"), from: Fixtures.origin(update: 50, user: 7))
        let failedLease = try #require(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).first?.lease)
        #expect(try await db.queue.failRender(failedLease, error: "out of memory", retryable: false) == .failed)
        let queued = try await db.queue.enqueueAccepted(Fixtures.request("still waiting"), from: Fixtures.origin(update: 51, user: 7))
        // A refusal quoting the user's words, sent; and one sent recently.
        for (chat, age) in [(Int64(7), "40 days"), (Int64(8), "1 day")] {
            try await sql(db, """
                INSERT INTO outbox (chat_id, kind, args, state, sent_at, created_at, user_id)
                VALUES ($1, 'rejected', '{"rejection": {"unknownLora": {"name": "secret-words"}}}', 'sent', now(), now() - $2::interval, $1)
                """, chat, age)
        }
        // Everything is 40 days old, but one delivered job is 10 days old.
        try await sql(db, "UPDATE jobs SET created_at = now() - interval '40 days'")
        try await sql(db, "UPDATE jobs SET created_at = now() - interval '10 days' WHERE id = $1", ids[4])

        var totals: [JobQueue.Purged] = []
        repeat {
            totals.append(try await db.queue.purgeExpired(keepImagesFor: Self.day * 365, keepPromptsFor: Self.day * 30, limit: 2))
        } while totals.last?.total == 2
        #expect(totals.map(\.total) == [2, 2, 2, 0])
        #expect(totals.map(\.prompts).reduce(0, +) == 5, "four delivered and the failed one")
        #expect(totals.map(\.messages).reduce(0, +) == 1)
        #expect(try await db.queue.purgeExpired(keepImagesFor: Self.day * 365, keepPromptsFor: Self.day * 30, limit: 2) == .init())

        let jobs = try await sql(db, """
            SELECT id, prompt, negative_prompt, prompt_purged_at IS NOT NULL AS purged, image_png IS NOT NULL AS kept,
                   prompt_sha256, image_sha256 FROM jobs ORDER BY id
            """)
        for row in jobs {
            let id: Int64 = try row.decode("id")
            let purged = id != ids[4] && id != queued
            #expect(try row.decode("purged", as: Bool.self) == purged, "job \(id)")
            #expect(try row.decode("prompt", as: String.self).isEmpty == purged, "job \(id)")
            #expect(try row.decode("negative_prompt", as: String.self).isEmpty == purged, "job \(id)")
            // A prompt's purge takes the job's PNG with it; hashes stay.
            if purged && id != failed { #expect(try row.decode("kept", as: Bool.self) == false) }
            #expect(try row.decode("prompt_sha256", as: Data.self).count == 32)
        }
        #expect(try await count(db, "SELECT count(*) AS n FROM outbox WHERE args::text LIKE '%secret-words%'") == 1,
                "the recent refusal keeps its args until its own window passes")
        #expect(try await count(db, "SELECT count(*) AS n FROM outbox WHERE chat_id = 7 AND args = '{}' AND kind = 'rejected'") == 1)
    }

    @Test func theBacklogViewCountsWhatIsOverdueUnderThePublishedWindows() async throws {
        let db = try await TestDatabase.make()
        _ = try await deliveredJobs(db, count: 3)
        try await sql(db, "UPDATE jobs SET delivered_at = now() - interval '3 hours', created_at = now() - interval '3 hours'")
        func backlog() async throws -> [String: Int] {
            Dictionary(uniqueKeysWithValues: try await db.queue.retentionBacklog().map { ($0.kind, $0.overdue) })
        }
        // The migration's defaults (24 h, 30 days): nothing is overdue yet.
        #expect(try await backlog() == ["images": 0, "prompts": 0, "messages": 0])
        #expect(try await db.queue.retentionPolicy() == RetentionPolicy())

        let policy = RetentionPolicy(keepImagesFor: .seconds(3600), keepPromptsFor: .seconds(2 * 3600))
        try await db.queue.publishRetentionPolicy(policy)
        #expect(try await db.queue.retentionPolicy() == policy)
        #expect(try await backlog() == ["images": 3, "prompts": 3, "messages": 0])
        let oldest = try #require(try await db.queue.retentionBacklog().first { $0.kind == "images" })
        #expect(abs(oldest.oldestOverdueSeconds - 2 * 3600) < 60)

        _ = try await db.queue.purgeExpired(keepImagesFor: policy.keepImagesFor, keepPromptsFor: policy.keepPromptsFor, limit: 100)
        #expect(try await backlog() == ["images": 0, "prompts": 0, "messages": 0])
    }

    @Test func aRowAnotherTransactionHoldsIsSkippedNotWaitedFor() async throws {
        let db = try await TestDatabase.make()
        let ids = try await deliveredJobs(db, count: 3)
        try await sql(db, "UPDATE jobs SET delivered_at = now() - interval '2 days'")
        let other = try await db.connect()
        let locked = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await other.transaction { connection in
                _ = try await connection.query(SQLText(name: "lock_one", text: "SELECT id FROM jobs WHERE id = $1 FOR UPDATE"), ids[0])
                locked.continuation.yield()
                for await _ in release.stream { break }
            }
        }
        for await _ in locked.stream { break }
        let purged = try await db.queue.purgeExpired(keepImagesFor: Self.day, keepPromptsFor: Self.day * 30, limit: 10)
        #expect(purged.images == 2)
        release.continuation.yield()
        try await holder.value
        #expect(try await db.queue.purgeExpired(keepImagesFor: Self.day, keepPromptsFor: Self.day * 30, limit: 10).images == 1)
        await other.close()
    }

    @Test func unfinishedJobsAreNeverPurged() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        _ = try await db.queue.enqueueAccepted(Fixtures.request("queued"), from: Fixtures.origin(update: 1))
        _ = try await db.queue.enqueueAccepted(Fixtures.request("rendered"), from: Fixtures.origin(update: 2))
        let lease = try #require(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 1, leaseSeconds: 60).first?.lease)
        #expect(try await db.queue.finishRender(lease, png: Self.png))
        try await sql(db, "UPDATE jobs SET created_at = now() - interval '400 days'")
        #expect(try await db.queue.purgeExpired(keepImagesFor: .zero, keepPromptsFor: .zero, limit: 10) == .init())
        #expect(try await count(db, "SELECT count(*) AS n FROM jobs WHERE prompt <> '' AND prompt_purged_at IS NULL") == 2)
    }
}
