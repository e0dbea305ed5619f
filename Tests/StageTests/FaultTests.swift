import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

extension StageLaneB {
    /// Deliver against Bot API failures: 429, 403, 5xx, vanished reply targets, migrations.
    @Suite struct FaultTests {
        @Test func tooManyRequestsWaitsRetryAfterAndSendsOnce() async throws {
            let bot = try await StageHarness()
            bot.emulator.addFault(.tooManyRequests(retryAfter: 1), method: "sendPhoto")
            let started = ContinuousClock.now
            bot.emulator.sendUserMessage("a lighthouse --steps 2 --size 64x64", from: bot.alice)
            try await bot.waitFor("the photo") { $0.sentMessages.contains { $0.method == "sendPhoto" } }
            let waited = ContinuousClock.now - started
            await bot.stop()
            let photoRequests = bot.emulator.requests(method: "sendPhoto")
            #expect(photoRequests.map(\.status) == [429, 200])
            #expect(waited >= .seconds(1))
            #expect(bot.emulator.sentMessages.filter { $0.method == "sendPhoto" }.count == 1)
        }

        @Test func anImageRefusedAsAPhotoArrivesAsAFile() async throws {
            let bot = try await StageHarness()
            bot.emulator.addFault(.badRequest(description: "Bad Request: PHOTO_INVALID_DIMENSIONS"), method: "sendPhoto")
            bot.emulator.sendUserMessage("a lighthouse --steps 2 --size 64x64", from: bot.alice)
            try await bot.waitFor("the file") { $0.sentMessages.contains { $0.method == "sendDocument" } }
            let state = try await bot.state("SELECT state::text FROM jobs", reaching: "delivered")
            await bot.stop()
            #expect(bot.emulator.requests(method: "sendPhoto").map(\.status) == [400])
            #expect(bot.emulator.requests(method: "sendDocument").map(\.status) == [200])
            #expect(state == "delivered")
        }

        @Test func aPhotoTelegramAcceptedIsRecordedOnceEvenWhenItsReplyDoesNotDecode() async throws {
            let bot = try await StageHarness()
            // ok:true, the photo went out, but the result lacks fields Message requires;
            // the status message's reply likewise lacks even its message_id.
            bot.emulator.addFault(.acceptedWithoutFields(["chat", "date", "photo"]), method: "sendPhoto")
            bot.emulator.addFault(.acceptedWithoutFields(["message_id", "chat"]), method: "sendMessage")
            bot.emulator.sendUserMessage("a lighthouse --steps 2 --size 64x64", from: bot.alice)
            let state = try await bot.state("SELECT state::text FROM jobs", reaching: "delivered")
            let messageID: Int64? = try await bot.rows("SELECT telegram_message_id FROM jobs").first?.decode("telegram_message_id")
            try await Task.sleep(for: .seconds(2))   // room for a wrong resend to show
            await bot.stop()
            #expect(state == "delivered")
            let photos = bot.emulator.sentMessages.filter { $0.method == "sendPhoto" }
            #expect(photos.count == 1)
            #expect(messageID == photos.first.map { Int64($0.messageID) })
            #expect(bot.emulator.requests(method: "sendPhoto").count == 1)
            #expect(bot.emulator.requests(method: "sendMessage").count == 1, "the queued reply went out once")
            let outbox = try await bot.rows("SELECT state::text AS state, telegram_message_id FROM outbox")
            #expect(outbox.count == 1)
            #expect(try outbox.first?.decode("state", as: String.self) == "sent")
        }

        @Test func forbiddenMarksTheChatUndeliverableWithoutARetryStorm() async throws {
            // Alice asks three things, then blocks the bot before any reply goes out.
            let bot = try await StageHarness(render: false, deliver: false)
            for index in 0..<3 { bot.emulator.sendUserMessage("/quota \(index)", from: bot.alice) }
            bot.emulator.sendUserMessage("/help", from: bot.bruno)
            try await bot.waitFor("all updates handled") { $0.pendingUpdateCount == 0 }
            while try await bot.count("SELECT count(*) FROM telegram_updates") < 4 { try await Task.sleep(for: .milliseconds(20)) }
            bot.emulator.blockBot(inChat: bot.alice.id)
            let (deliver, running) = try await bot.startLateDeliver()
            try await bot.waitFor("Bruno's help") { $0.sentMessages(inChat: 2002).count == 1 }
            var failed = 0
            for _ in 0..<100 {
                failed = try await bot.count("SELECT count(*) FROM outbox WHERE state = 'failed' AND chat_id = 2001")
                if failed == 3 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            await deliver.triggerGracefulShutdown()
            await running.value
            await bot.stop()
            #expect(failed == 3)
            // One 403, then nothing more is tried for that chat.
            #expect(bot.emulator.requests(method: "sendMessage").filter { $0.chatID == 2001 }.map(\.status) == [403])
            let reason: String? = try await bot.rows("SELECT undeliverable_reason FROM telegram_chats WHERE chat_id = $1", Int64(2001))
                .first?.decode("undeliverable_reason")
            #expect(reason?.contains("blocked") == true)
        }

        @Test func writingAgainClearsTheUndeliverableMark() async throws {
            let bot = try await StageHarness(render: false, deliver: false)
            _ = try await bot.rows("INSERT INTO telegram_chats (chat_id, undeliverable_at, undeliverable_reason) VALUES (2001, now(), 'blocked')")
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            while try await bot.count("SELECT count(*) FROM telegram_updates") < 1 { try await Task.sleep(for: .milliseconds(20)) }
            await bot.stop()
            #expect(try await bot.count("SELECT count(*) FROM telegram_chats WHERE undeliverable_at IS NOT NULL") == 0)
        }

        @Test func serverErrorsAreRetriedWithBackoff() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.addFault(.serverError(status: 500), method: "sendMessage", times: 2)
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            try await bot.waitFor("the help", timeout: .seconds(10)) { $0.sentMessages(inChat: 2001).count == 1 }
            await bot.stop()
            #expect(bot.emulator.requests(method: "sendMessage").map(\.status) == [500, 500, 200])
            let errors = try await bot.count("SELECT jsonb_array_length(errors) AS count FROM outbox")
            #expect(errors == 2)
        }

        @Test func persistentServerErrorsEndFailedWithTheErrorRecorded() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.addFault(.serverError(status: 502, description: "Bad Gateway"), method: "sendMessage", times: 100)
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            let state = try await bot.state("SELECT state::text FROM outbox", reaching: "failed")
            await bot.stop()
            #expect(state == "failed")
            #expect(bot.emulator.requests(method: "sendMessage").count == 5)
            let error: String? = try await bot.rows("SELECT errors->-1->>'error' AS error FROM outbox").first?.decode("error")
            #expect(error?.contains("Bad Gateway") == true)
        }

        @Test func deletedRequestIsAnsweredWithoutReply() async throws {
            let bot = try await StageHarness(render: false)
            let request = bot.emulator.sendUserMessage("/help", from: bot.alice)
            bot.emulator.deleteMessage(request.messageID, inChat: bot.alice.id)
            try await bot.waitFor("the help") { $0.sentMessages(inChat: 2001).count == 1 }
            await bot.stop()
            #expect(bot.emulator.requests(method: "sendMessage").map(\.status) == [400, 200])
            #expect(bot.emulator.sentMessages.first?.replyToMessageID == nil)
        }

        @Test func migratedGroupIsFollowed() async throws {
            let bot = try await StageHarness(render: false)
            let group = EmulatedChat.group(id: -7001, title: "Old group")
            bot.emulator.addChat(.supergroup(id: -1_000_000_007_001, title: "New supergroup"))
            bot.emulator.addFault(.migrateToChat(-1_000_000_007_001), method: "sendMessage", chatID: -7001)
            bot.emulator.sendUserMessage("/help@lienzo_bot", from: bot.alice, in: group)
            try await bot.waitFor("the help in the supergroup") { $0.sentMessages(inChat: -1_000_000_007_001).count == 1 }
            await bot.stop()
            let moved: Int64? = try await bot.rows("SELECT migrated_to_chat_id FROM telegram_chats WHERE chat_id = -7001")
                .first?.decode("migrated_to_chat_id")
            #expect(moved == -1_000_000_007_001)
        }
    }
}
