import Bot
import BotAPIEmulator
@testable import BotServices
import Foundation
import Testing
import TestSupport

extension StageLaneB {
    /// Issue 13's admin in the chat, through the real Ingest and Deliver: operators'
    /// commands do what they say and leave an audit row; to anyone else they are unknown
    /// commands; an allowlist serves only the users and chats it lists.
    @Suite struct AdminTests {
        static func configuration(admins: Set<Int64>, access: AccessPolicy.Mode = .open) -> IngestConfiguration {
            var configuration = StageHarness.ingestConfiguration()
            configuration.access = AccessPolicy(admins: admins, mode: access)
            return configuration
        }

        static let group = EmulatedChat(id: -100_777, type: "supergroup", title: "Studio")

        @Test func statsThenABanByReplyThenAnUnbanByID() async throws {
            _ = StageMetrics.registry
            let bans = StageMetrics.value(#"lienzo_admin_actions_total{action="ban"}"#)
            let unbans = StageMetrics.value(#"lienzo_admin_actions_total{action="unban"}"#)
            let bot = try await StageHarness(render: false, ingestConfiguration: Self.configuration(admins: [2001]))
            bot.emulator.sendUserMessage("a quiet harbour", from: bot.bruno)
            let request = bot.emulator.sendUserMessage("/generate@lienzo_bot a noisy harbour", from: bot.bruno, in: Self.group)
            try await bot.waitFor("both acknowledgements") {
                $0.sentMessages(inChat: 2002).count == 1 && $0.sentMessages(inChat: Self.group.id).count == 1
            }
            bot.emulator.sendUserMessage("/stats", from: bot.alice)
            try await bot.waitFor("the stats") { $0.sentMessages(inChat: 2001).count == 1 }
            bot.emulator.sendUserMessage("/ban@lienzo_bot spam", from: bot.alice, in: Self.group, replyTo: request.messageID)
            try await bot.waitFor("the ban's answer") { $0.sentMessages(inChat: Self.group.id).count == 2 }
            bot.emulator.sendUserMessage("one more harbour", from: bot.bruno)
            try await bot.waitFor("the refusal") { $0.sentMessages(inChat: 2002).count == 2 }
            bot.emulator.sendUserMessage("/unban 2002", from: bot.alice)
            bot.emulator.sendUserMessage("/unban 2002", from: bot.alice)
            try await bot.waitFor("both unbans answered") { $0.sentMessages(inChat: 2001).count == 3 }
            await bot.stop()

            #expect(StageMetrics.value(#"lienzo_admin_actions_total{action="ban"}"#) >= bans + 1)
            #expect(StageMetrics.value(#"lienzo_admin_actions_total{action="unban"}"#) >= unbans + 2)
            let stats = try #require(bot.texts(inChat: 2001).first)
            #expect(stats.hasPrefix("📈 Queue: 2 waiting (the oldest for "))
            #expect(stats.hasSuffix("s), 0 rendering, 0 rendered, 0 sending.\nDelivered: 0 in the last hour, 0 in the last 24 hours.\nToday (UTC): 1 user, 0 failed."))
            let ban = try #require(bot.emulator.sentMessages(inChat: Self.group.id).last)
            #expect(ban.text == "🔨 User 2002 is banned. Cancelled 2 requests in progress.")
            #expect(bot.texts(inChat: 2002).last == "🚫 No puedes usar este bot.")
            #expect(Array(bot.texts(inChat: 2001).dropFirst()) == ["🕊️ User 2002 is no longer banned.", "🕊️ User 2002 was not banned."])
            #expect(try await bot.count("SELECT count(*) FROM jobs WHERE user_id = 2002 AND state = 'cancelled'") == 2)
            #expect(try await bot.count("SELECT count(*) FROM users WHERE user_id = 2002 AND NOT banned AND banned_reason IS NULL") == 1)

            let audit = try await bot.rows(
                "SELECT admin_user_id, action, target_user_id, args::text AS args, chat_id FROM admin_actions ORDER BY id")
            #expect(try audit.map { try $0.decode("action", as: String.self) } == ["stats", "ban", "unban", "unban"])
            #expect(try audit.allSatisfy { try $0.decode("admin_user_id", as: Int64.self) == 2001 })
            #expect(try audit[0].decode("target_user_id", as: Int64?.self) == nil)
            #expect(try audit[1].decode("target_user_id", as: Int64?.self) == 2002)
            #expect(try audit[1].decode("chat_id", as: Int64.self) == Self.group.id)
            #expect(try audit[1].decode("args", as: String.self) == #"{"reason": "spam", "cancelled": "2"}"#)
        }

        @Test func quotaSetsOneUsersLimitsAndWrongUsageIsExplained() async throws {
            let bot = try await StageHarness(render: false, ingestConfiguration: Self.configuration(admins: [2001]))
            bot.emulator.sendUserMessage("/quota 2002 1 default", from: bot.alice)
            try await bot.waitFor("the quota's answer") { $0.sentMessages(inChat: 2001).count == 1 }
            for text in ["/quota 2002 lots 3", "/ban", "/unban 2002 now"] {
                bot.emulator.sendUserMessage(text, from: bot.alice)
            }
            bot.emulator.sendUserMessage("/quota", from: bot.alice)
            bot.emulator.sendUserMessage("a lighthouse", from: bot.bruno)
            bot.emulator.sendUserMessage("another lighthouse", from: bot.bruno)
            try await bot.waitFor("every answer") { $0.sentMessages(inChat: 2001).count == 5 && $0.sentMessages(inChat: 2002).count == 2 }
            await bot.stop()

            let texts = bot.texts(inChat: 2001)
            #expect(texts[0] == "📏 User 2002: 1 image a day, the default waiting limit.")
            #expect(texts[1].hasPrefix("Usage: /quota <user id> <daily> <waiting>"))
            #expect(texts[2] == "Usage: reply to someone's message with /ban [reason], or /ban <user id> [reason].")
            #expect(texts[3] == "Usage: reply to someone's message with /unban, or /unban <user id>.")
            // A bare /quota is the operator's own, as for everyone.
            #expect(texts[4].hasPrefix("📊 Today: 0 of "))
            #expect(bot.texts(inChat: 2002).last?.hasPrefix("📅 Has usado 1 de 1 imágenes hoy") == true)
            #expect(try await bot.count("SELECT count(*) FROM users WHERE user_id = 2002 AND daily_limit = 1 AND max_queued IS NULL") == 1)
            let audit = try await bot.rows("SELECT action, args::text AS args FROM admin_actions")
            #expect(audit.count == 1)
            #expect(try audit.first?.decode("args", as: String.self) == #"{"max_queued": "default", "daily_limit": "1"}"#)
        }

        @Test func toAnyoneElseAdminCommandsAreUnknownCommands() async throws {
            let bot = try await StageHarness(render: false, ingestConfiguration: Self.configuration(admins: [2001]))
            let commands = ["/stats", "/ban 2001 payback", "/unban 2002", "/frobnicate"]
            for text in commands { bot.emulator.sendUserMessage(text, from: bot.bruno) }
            // In a group, a bare unknown command is another bot's: no answer, admin or not.
            bot.emulator.sendUserMessage("/stats", from: bot.bruno, in: Self.group)
            bot.emulator.sendUserMessage("/stats@lienzo_bot", from: bot.bruno, in: Self.group)
            try await bot.waitFor("every answer") { $0.sentMessages(inChat: 2002).count == 4 && $0.sentMessages(inChat: Self.group.id).count == 1 }
            await bot.stop()

            let expected = ["/stats", "/ban", "/unban", "/frobnicate"].map { Texts.text(.unknownCommand($0), language: .spanish) }
            #expect(bot.texts(inChat: 2002) == expected)
            #expect(bot.texts(inChat: Self.group.id) == [Texts.text(.unknownCommand("/stats"), language: .spanish)])
            #expect(try await bot.count("SELECT count(*) FROM admin_actions") == 0)
            #expect(try await bot.count("SELECT count(*) FROM users WHERE banned") == 0)
            let outcomes = try await bot.rows("SELECT DISTINCT outcome FROM telegram_updates WHERE user_id = 2002")
            #expect(try Set(outcomes.map { try $0.decode("outcome", as: String.self) }) == ["unknown_command", "ignored:unknown_group_command"])
        }

        @Test func anAllowlistServesOnlyTheUsersAndChatsItLists() async throws {
            let carol = EmulatedUser(id: 2003, firstName: "Carol", languageCode: "en")
            let bot = try await StageHarness(render: false, ingestConfiguration: Self.configuration(admins: [2003], access: .allowlist))
            _ = try await bot.rows("INSERT INTO access_allowlist (subject, id) VALUES ('user', 2001), ('chat', \(Self.group.id)) RETURNING id")
            bot.emulator.sendUserMessage("a garden", from: bot.alice)
            bot.emulator.sendUserMessage("un jardín", from: bot.bruno)
            bot.emulator.sendUserMessage("/generate@lienzo_bot a shared garden", from: bot.bruno, in: Self.group)
            bot.emulator.sendUserMessage("/stats", from: carol)
            try await bot.waitFor("every answer") {
                $0.sentMessages(inChat: 2001).count == 1 && $0.sentMessages(inChat: 2002).count == 1
                    && $0.sentMessages(inChat: Self.group.id).count == 1 && $0.sentMessages(inChat: 2003).count == 1
            }
            // A button under someone else's message in their private chat is no way in either.
            let acknowledgement = try #require(bot.emulator.sentMessages(inChat: 2001).first)
            let press = bot.emulator.pressButton(
                data: CallbackData(action: .newSeed, jobID: 1).encoded, onMessage: acknowledgement.messageID, inChat: 2001, by: bot.bruno)
            try await bot.waitFor("the button's answer") { $0.callbackAnswers.contains { $0.callbackQueryID == press } }
            await bot.stop()

            #expect(bot.emulator.callbackAnswers.first { $0.callbackQueryID == press }
                == CallbackAnswer(callbackQueryID: press, text: Texts.text(.notAllowed, language: .spanish), showAlert: true))

            #expect(bot.texts(inChat: 2001).first?.hasPrefix("⏳ Queued") == true)
            #expect(bot.texts(inChat: 2002) == [Texts.text(.notAllowed, language: .spanish)])
            #expect(bot.texts(inChat: 2002).first?.hasPrefix("🔒 Este es un bot privado") == true)
            #expect(bot.texts(inChat: Self.group.id).first?.hasPrefix("⏳ En cola") == true)
            #expect(bot.texts(inChat: 2003).first?.hasPrefix("📈 Queue: 2 waiting") == true)
            #expect(try await bot.count("SELECT count(*) FROM jobs") == 2)
            #expect(try await bot.count("SELECT count(*) FROM telegram_updates WHERE outcome = 'refused:not_allowed'") == 2)
        }
    }
}
