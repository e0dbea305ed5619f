import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

extension StageLaneB {
    @Suite struct QuotaBurstTests {
        /// 1,000 updates from 50 users, 20 each, interleaved, against a daily limit of 15:
        /// exactly 15 jobs per user, and every other request refused with a reply.
        @Test func burstOfAThousandUpdatesRespectsQuotasExactly() async throws {
            let bot = try await StageHarness(render: false, deliver: false, unlimitedQuotas: false)
            try await bot.database.queue.setQuotaDefaults(dailyLimit: 15, maxQueued: 1000)
            let users = (0..<50).map { EmulatedUser(id: 10_000 + Int64($0), firstName: "U\($0)", languageCode: $0 % 2 == 0 ? "en" : "es") }
            for round in 0..<20 {
                for user in users { bot.emulator.sendUserMessage("castle number \(round)", from: user) }
            }
            var handled = 0
            for _ in 0..<600 {
                handled = try await bot.count("SELECT count(*) FROM telegram_updates")
                if handled == 1000 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            await bot.stop()
            #expect(handled == 1000)
            let perUser = try await bot.rows("SELECT user_id, count(*) AS count FROM jobs GROUP BY user_id")
            #expect(perUser.count == 50)
            #expect(try perUser.allSatisfy { try $0.decode("count", as: Int.self) == 15 })
            #expect(try await bot.count("SELECT count(*) FROM outbox WHERE kind = 'queued'") == 750)
            #expect(try await bot.count("SELECT count(*) FROM outbox WHERE kind = 'rejected' AND args->'rejection' ? 'dailyLimit'") == 250)
            // The first 15 of each user were the ones accepted (updates are handled in order).
            #expect(try await bot.count("SELECT count(*) FROM jobs WHERE prompt IN ('castle number 15', 'castle number 19')") == 0)
        }
    }
}
