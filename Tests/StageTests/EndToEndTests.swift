import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

extension StageLaneA {
    /// Updates in, photos out: Ingest, a stand-in renderer and Deliver against the emulator
    /// and a real PostgreSQL.
    @Suite struct EndToEndTests {
        @Test func promptBecomesPhotoWithCaptionButtonsAndStatusEdits() async throws {
            let bot = try await StageHarness()
            let request = bot.emulator.sendUserMessage(
                "/generate a castle at dusk --no blurry --seed 42 --steps 6 --size 64x64 --sampler euler", from: bot.alice)
            try await bot.waitFor("the photo") { $0.sentMessages.contains { $0.method == "sendPhoto" } }
            try await bot.waitFor("the status message to say done") { snapshot in
                snapshot.sentMessages.contains { $0.text?.hasPrefix("✅ Done.") == true }
            }
            await bot.stop()

            let sent = bot.emulator.sentMessages(inChat: bot.alice.id)
            let photo = try #require(sent.first { $0.method == "sendPhoto" })
            #expect(photo.file == StandInRenderer.png)
            #expect(photo.replyToMessageID == request.messageID)
            #expect(photo.caption == "a castle at dusk\nNegative prompt: blurry\nSteps: 6, Sampler: Euler, CFG scale: 7.5, Seed: 42, Size: 64x64, Model: tiny")
            let data = photo.buttons.flatMap { $0 }.compactMap(\.callbackData)
            #expect(data.count == 3 && data.allSatisfy { $0.utf8.count <= 64 })

            // One status message: "Queued, position 1" first, then edits, ending at done.
            let status = try #require(sent.first { $0.method == "sendMessage" })
            #expect(status.previousTexts.first?.hasPrefix("⏳ Queued, position 1.") == true)
            #expect(status.text == "✅ Done.\n999,999 left today.", "the acknowledgement's count outlives the edits")
            #expect(status.replyToMessageID == request.messageID)
            // No edit repeated its text (which Telegram answers with "message is not modified").
            let shown = status.previousTexts + [status.text ?? ""]
            #expect(zip(shown, shown.dropFirst()).allSatisfy { $0 != $1 })
            #expect(bot.emulator.requests(method: "editMessageText").allSatisfy { $0.status == 200 })

            let delivered = try await bot.count("SELECT count(*) FROM jobs WHERE state = 'delivered' AND telegram_message_id = $1", Int64(photo.messageID))
            #expect(delivered == 1)
            // Start-up registered the menus in English (default) and Spanish.
            #expect(bot.emulator.snapshot.commands[""]?.contains { $0.command == "generate" } == true)
            #expect(bot.emulator.snapshot.commands["es"]?.contains { $0.description.contains("Dibuja") } == true)
            #expect(bot.emulator.snapshot.webhookDeletions >= 1)
        }

        @Test func plainTextInPrivateChatIsAPromptAndSpanishUsersGetSpanish() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("un faro en una tormenta", from: bot.bruno)
            bot.emulator.sendUserMessage("/generate un gato --steps 500", from: bot.bruno)
            bot.emulator.sendUserMessage("/help", from: bot.bruno)
            try await bot.waitFor("three replies") { $0.sentMessages(inChat: 2002).count >= 3 }
            await bot.stop()
            let texts = bot.texts(inChat: bot.bruno.id)
            #expect(texts.contains { $0.hasPrefix("⏳ En cola, posición 1.") })
            #expect(texts.contains { $0 == "🔢 --steps 500 está fuera de rango: usa de 1 a 50." })
            #expect(texts.contains { $0.hasPrefix("🎨 Convierto texto en imágenes") })
            let prompt: String? = try await bot.rows("SELECT prompt FROM jobs").first?.decode("prompt")
            #expect(prompt == "un faro en una tormenta")
        }

        @Test func groupsReadOnlyCommandsForThisBot() async throws {
            let bot = try await StageHarness(render: false)
            let group = EmulatedChat.group(id: -5001, title: "Artists")
            bot.emulator.sendUserMessage("just chatting about castles", from: bot.alice, in: group)
            bot.emulator.sendUserMessage("/generate@other_bot a dog", from: bot.alice, in: group)
            bot.emulator.sendUserMessage("/frobnicate", from: bot.alice, in: group)
            bot.emulator.sendUserMessage("/generate@lienzo_bot a red fox", from: bot.alice, in: group)
            try await bot.waitFor("the acknowledgement") { $0.sentMessages(inChat: -5001).count >= 1 }
            // Every update was handled (the offset moved past all four) before looking for silence.
            try await bot.waitFor("all updates confirmed") { $0.pendingUpdateCount == 0 }
            let outcomes = try await bot.rows("SELECT outcome FROM telegram_updates ORDER BY update_id").map { try $0.decode("outcome", as: String.self) }
            await bot.stop()
            #expect(outcomes == ["ignored:group_text", "ignored:other_bot", "ignored:unknown_group_command", "enqueued"])
            #expect(bot.texts(inChat: -5001).count == 1)
            let prompts = try await bot.rows("SELECT prompt, chat_id FROM jobs")
            #expect(prompts.count == 1)
            #expect(try prompts.first?.decode("prompt", as: String.self) == "a red fox")
        }

        @Test func statusCancelAndQuotaCommands() async throws {
            let bot = try await StageHarness(render: false, unlimitedQuotas: false)
            try await bot.database.queue.setQuotaDefaults(dailyLimit: 10, maxQueued: 5)
            bot.emulator.sendUserMessage("a first castle", from: bot.alice)
            bot.emulator.sendUserMessage("a second castle", from: bot.alice)
            bot.emulator.sendUserMessage("/status", from: bot.alice)
            bot.emulator.sendUserMessage("/quota", from: bot.alice)
            bot.emulator.sendUserMessage("/cancel", from: bot.alice)
            bot.emulator.sendUserMessage("/status", from: bot.alice)
            try await bot.waitFor("six replies") { $0.sentMessages(inChat: 2001).count >= 6 }
            // The two acknowledgements are status messages: cancelling edits them.
            try await bot.waitFor("both acknowledgements to show the cancel") { snapshot in
                snapshot.sentMessages(inChat: 2001).filter { $0.text == "🛑 Cancelled." }.count == 2
            }
            await bot.stop()
            let texts = bot.emulator.sentMessages(inChat: bot.alice.id).flatMap { $0.previousTexts + [$0.text ?? ""] }
            #expect(texts.filter { $0.hasPrefix("⏳ Queued") }.count == 2)
            // Each request by the start of its prompt, read from the job when the reply is sent.
            let status = try #require(texts.first { $0.hasPrefix("📋 Your requests:\n#") })
            #expect(status.contains("«a first castle» — queued, position 1\n#"))
            #expect(status.hasSuffix("«a second castle» — queued, position 2"))
            #expect(texts.contains("📊 Today: 2 of 10 used, 8 left. Waiting now: 2 of 5."))
            #expect(texts.contains("🛑 Cancelled 2 requests."))
            #expect(texts.contains("📭 You have no requests in progress."))
        }
    }

    @Suite struct FailureNoticeTests {
        @Test func aFailedRenderIsToldInTheUsersLanguage() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("un castillo --steps 3", from: bot.bruno)
            try await bot.waitFor("the acknowledgement") { $0.sentMessages(inChat: 2002).count == 1 }
            // A renderer that gives up on the job.
            let renderer = try await bot.database.connect()
            let queue = JobQueue(renderer)
            var claimed = try await queue.claimRenderBatch(owner: "failing", model: StageHarness.model, limit: 1, leaseSeconds: 30)
            while claimed.isEmpty {
                try await Task.sleep(for: .milliseconds(20))
                claimed = try await queue.claimRenderBatch(owner: "failing", model: StageHarness.model, limit: 1, leaseSeconds: 30)
            }
            let lease = try #require(claimed.first?.lease)
            #expect(try await queue.failRender(lease, error: "out of memory", retryable: false) == .failed)
            try await bot.waitFor("the notice and the status edit") { snapshot in
                let messages = snapshot.sentMessages(inChat: 2002)
                return messages.contains { $0.text?.hasPrefix("😞 Lo siento") == true } && messages.contains { $0.text == "😞 Falló." }
            }
            await bot.stop()
            await renderer.close()
            let notice = try #require(bot.texts(inChat: 2002).first { $0.hasPrefix("😞 Lo siento") })
            #expect(notice == "😞 Lo siento, no se pudo hacer esa imagen (out of memory). Vuelve a intentarlo.")
        }

        @Test func gracefulShutdownHandsUnsentRowsBack() async throws {
            // A 429 with a long retry_after holds a row; stopping Deliver must not keep it leased.
            var configuration = StageHarness.deliverConfiguration()
            configuration.maxHold = 60
            let bot = try await StageHarness(render: false, deliverConfiguration: configuration)
            bot.emulator.addFault(.tooManyRequests(retryAfter: 30), method: "sendMessage")
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            try await bot.waitFor("the 429") { $0.requests(method: "sendMessage").count == 1 }
            try await Task.sleep(for: .milliseconds(100))
            await bot.stop()
            let row = try #require(try await bot.rows("SELECT state::text, attempt, lease_owner FROM outbox").first)
            #expect(try row.decode("state", as: String.self) == "pending")
            #expect(try row.decode("attempt", as: Int.self) == 0)
            #expect(try row.decode("lease_owner", as: String?.self) == nil)
        }
    }
}
