import BotAPIEmulator
import Foundation
import Testing
import TestSupport

extension StageLaneA {
    /// Issue 16 against the real Ingest and Deliver: /help's limits come from the quota
    /// tables, and the prompt-cut warning and the daily count outlive the status message's edits.
    @Suite struct NewUserStageTests {
        @Test func helpNamesTheUsersQuotaInTheirLanguage() async throws {
            let bot = try await StageHarness(render: false, unlimitedQuotas: false)
            try await bot.database.queue.setQuotaDefaults(dailyLimit: 1500, maxQueued: 5)
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            bot.emulator.sendUserMessage("/help", from: bot.bruno)
            try await bot.waitFor("both helps") { $0.sentMessages(inChat: 2001).count == 1 && $0.sentMessages(inChat: 2002).count == 1 }
            await bot.stop()
            #expect(bot.texts(inChat: bot.alice.id).first?.contains("; 1,500 images a day, 5 waiting at once.\n") == true)
            #expect(bot.texts(inChat: bot.bruno.id).first?.contains("; 1.500 imágenes al día, 5 pedidos esperando a la vez.\n") == true)
        }

        /// The acknowledgement's "N left today" stays in the status message through the
        /// progress edits and the final one, instead of going with the first edit.
        @Test func theDailyCountOutlivesTheStatusEdits() async throws {
            let bot = try await StageHarness(render: false, unlimitedQuotas: false)
            try await bot.database.queue.setQuotaDefaults(dailyLimit: 1500, maxQueued: 5)
            bot.emulator.sendUserMessage("un faro --steps 8", from: bot.bruno)
            _ = try await bot.state("SELECT 'acknowledged' AS state FROM jobs WHERE status_message_id IS NOT NULL", reaching: "acknowledged")
            let queue = bot.database.queue
            let lease = try #require(try await queue.claimRenderBatch(owner: "test-renderer", model: StageHarness.model, limit: 1, leaseSeconds: 60).first).lease
            _ = try await queue.extendRenderLeases([lease], leaseSeconds: 60, step: 4)
            try await bot.waitFor("the progress edit") { $0.sentMessages.contains { $0.text?.hasPrefix("🎨 Dibujando… paso 4/8") == true } }
            #expect(try await queue.finishRender(lease, png: StandInRenderer.png))
            _ = try await bot.state("SELECT state::text AS state FROM jobs", reaching: "delivered")
            try await bot.waitFor("the final edit") { $0.sentMessages.contains { $0.text?.hasPrefix("✅ Hecho.") == true } }
            await bot.stop()
            let status = try #require(bot.emulator.sentMessages(inChat: bot.bruno.id).first { $0.method == "sendMessage" })
            #expect(status.previousTexts.first == "⏳ En cola, posición 1.\nTe quedan 1.499 hoy.")
            #expect(status.previousTexts.contains("🎨 Dibujando… paso 4/8\nTe quedan 1.499 hoy."))
            #expect(status.text == "✅ Hecho.\nTe quedan 1.499 hoy.")
        }

        /// The reply to /cancel says a request being drawn stops: the count of those travels
        /// through the outbox row's args (it was dropped there, so the reply never said it).
        @Test func cancellingARequestBeingDrawnSaysItStops() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("a harbour at night --steps 8", from: bot.alice)
            bot.emulator.sendUserMessage("a lighthouse --steps 8", from: bot.alice)
            _ = try await bot.state("SELECT count(*)::text AS state FROM jobs WHERE status_message_id IS NOT NULL", reaching: "2")
            _ = try await bot.database.queue.claimRenderBatch(owner: "test-renderer", model: StageHarness.model, limit: 1, leaseSeconds: 60)
            bot.emulator.sendUserMessage("/cancel", from: bot.alice)
            try await bot.waitFor("the reply to /cancel") { $0.sentMessages.contains { $0.text?.hasPrefix("🛑 Cancelled 2") == true } }
            await bot.stop()
            #expect(bot.texts(inChat: bot.alice.id).contains("🛑 Cancelled 2 requests. The one being drawn stops now."))
        }

        @Test func thePromptCutWarningOutlivesTheStatusEdits() async throws {
            let bot = try await StageHarness(render: false)
            let long = Array(repeating: "a red lighthouse on a cliff", count: 20).joined(separator: ", ")
            let request = bot.emulator.sendUserMessage(long, from: bot.alice)
            try await bot.waitFor("the acknowledgement and the warning") { $0.sentMessages(inChat: 2001).count == 2 }
            bot.emulator.sendUserMessage("/cancel", from: bot.alice)
            try await bot.waitFor("the status message to show the cancel") { snapshot in
                snapshot.sentMessages(inChat: 2001).contains { $0.text == "🛑 Cancelled." }
            }
            await bot.stop()
            let sent = bot.emulator.sentMessages(inChat: bot.alice.id)
            let status = try #require(sent.first { $0.previousTexts.first?.hasPrefix("⏳ Queued") == true })
            #expect(status.text == "🛑 Cancelled." && !(status.previousTexts + [status.text ?? ""]).contains { $0.contains("⚠️") })
            let warning = try #require(sent.first { $0.text?.hasPrefix("⚠️ The model reads about 75 tokens") == true })
            #expect(warning.previousTexts.isEmpty && warning.replyToMessageID == request.messageID)
            #expect(warning.text?.contains("lighthouse on a cliff") == true)
        }
    }
}
