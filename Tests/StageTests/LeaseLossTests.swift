import BotAPIEmulator
import BotServices
import Foundation
import Schema
import Testing
import TestSupport

extension StageLaneA {
    /// A row whose lease runs out before its send is recorded (a slow send here; a restart
    /// of PostgreSQL in DatabaseRestartTests) is handed back by the rescuer and claimed
    /// again, queued behind the chat the first send still holds. Telegram confirmed the
    /// first send, so the row must be recorded sent and the second claim must not send it.
    @Suite struct LeaseLossTests {
        static func shortLeases() -> DeliverConfiguration {
            var configuration = StageHarness.deliverConfiguration()
            configuration.leaseSeconds = 1
            configuration.rescueInterval = .milliseconds(100)
            return configuration
        }

        @Test func aPhotoWhoseLeaseRunsOutMidSendGoesOutOnce() async throws {
            let bot = try await StageHarness(deliverConfiguration: Self.shortLeases())
            // Longer than the lease, well within the client's request timeout (5 s).
            bot.emulator.addFault(.delay(.milliseconds(2500)), method: "sendPhoto")
            bot.emulator.sendUserMessage("a lighthouse --steps 2 --size 64x64", from: bot.alice)
            let state = try await bot.state("SELECT state::text FROM jobs", reaching: "delivered")
            // The job was handed back and claimed again (maybe more than once: the new claim
            // waits behind the chat, and its lease runs out too) while the photo was on its way.
            let attempts = try await bot.count("SELECT delivery_attempt AS count FROM jobs")
            let messageID: Int64? = try await bot.rows("SELECT telegram_message_id FROM jobs").first?.decode("telegram_message_id")
            try await Task.sleep(for: .seconds(1.5))   // room for a wrong resend to show
            await bot.stop()
            #expect(state == "delivered")
            #expect(attempts >= 2)
            let photos = bot.emulator.sentMessages.filter { $0.method == "sendPhoto" }
            #expect(photos.count == 1, "one photo per request: \(photos.count)")
            #expect(messageID == photos.first.map { Int64($0.messageID) })
        }

        @Test func aMessageWhoseLeaseRunsOutMidSendGoesOutOnce() async throws {
            let bot = try await StageHarness(render: false, deliverConfiguration: Self.shortLeases())
            bot.emulator.addFault(.delay(.milliseconds(2500)), method: "sendMessage")
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            let state = try await bot.state("SELECT state::text FROM outbox", reaching: "sent")
            let attempts = try await bot.count("SELECT attempt AS count FROM outbox")
            try await Task.sleep(for: .seconds(1.5))
            await bot.stop()
            #expect(state == "sent")
            #expect(attempts >= 2)
            #expect(bot.emulator.requests(method: "sendMessage").count == 1)
        }
    }
}
