import BotAPIEmulator
import Foundation
import Logging
import Schema
import StageSupport
import Testing
import TestSupport

extension StageLaneB {
    /// /privacy, /forget and retention through the running stages, as users meet them.
    @Suite struct PrivacyTests {
        @Test func privacyQuotesTheWindowsInForceInTheUsersLanguage() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("/privacy", from: bot.alice)
            bot.emulator.sendUserMessage("/privacidad", from: bot.bruno)
            try await bot.waitFor("both answers") {
                $0.sentMessages(inChat: 2001).count == 1 && $0.sentMessages(inChat: 2002).count == 1
            }
            // A Deliver with other windows publishes them at start-up; /privacy follows.
            try await bot.database.queue.publishRetentionPolicy(
                RetentionPolicy(keepImagesFor: .seconds(2 * 3600), keepPromptsFor: .seconds(7 * 86_400)))
            bot.emulator.sendUserMessage("/privacy", from: bot.alice)
            try await bot.waitFor("the second answer") { $0.sentMessages(inChat: 2001).count == 2 }
            await bot.stop()

            let english = bot.texts(inChat: bot.alice.id)
            #expect(english[0].hasPrefix("🔒 What I keep about you, for how long, and why\n\n"))
            #expect(english[0].contains("• Your prompts (and what to avoid): 30 days, so that"))
            #expect(english[0].contains("• Your images: 24 hours after they are sent"))
            #expect(english[0].contains("🧹 /forget erases your prompts, images and settings now"))
            #expect(english[1].contains("(and what to avoid): 7 days,") && english[1].contains("• Your images: 2 hours after they are sent"))
            let spanish = bot.texts(inChat: bot.bruno.id)
            #expect(spanish[0].hasPrefix("🔒 Qué guardo de ti, durante cuánto tiempo y para qué\n\n"))
            #expect(spanish[0].contains("(y lo que pides evitar): 30 días,") && spanish[0].contains("24 horas después de enviarlas"))
            #expect(spanish[0].contains("🧹 /olvidar borra ahora tus descripciones, imágenes y ajustes"))
        }

        /// After /forget and its button, no column of any table holds the user's prompt or
        /// negative prompt (nor the words a refusal quoted); another user's are all there.
        @Test func forgetLeavesNoPromptOfTheUserAnywhereAndTouchesNoOneElse() async throws {
            let bot = try await StageHarness(render: false)
            let renderer = StandInRenderer(connection: try await bot.database.connect(), model: StageHarness.model)
            let group = EmulatedChat.group(id: -6001, title: "Artists")
            let (secret, avoid, other) = ("zebra-lantern-7781", "quokka-mist-5512", "otter-violin-2290")
            bot.emulator.sendUserMessage("a \(secret) castle --no \(avoid)", from: bot.alice)
            bot.emulator.sendUserMessage("/generate@lienzo_bot a \(secret) in a group", from: bot.alice, in: group)
            bot.emulator.sendUserMessage("an \(other) tower", from: bot.bruno)
            bot.emulator.sendUserMessage("/generate@lienzo_bot an \(other) in a group", from: bot.bruno, in: group)
            try await bot.waitFor("four photos") { $0.sentMessages.filter { $0.method == "sendPhoto" }.count == 4 }
            await renderer.stop()
            // A request still waiting, and a refusal that quotes Alice's words.
            bot.emulator.sendUserMessage("another \(secret)", from: bot.alice)
            bot.emulator.sendUserMessage("a castle --\(secret)", from: bot.alice)
            try await bot.waitFor("the acknowledgement and the refusal") { snapshot in
                let texts = snapshot.sentMessages(inChat: 2001).compactMap(\.text)
                return texts.contains { $0.hasPrefix("⏳ Queued") } && texts.contains { $0.contains("--\(secret)") }
            }

            bot.emulator.sendUserMessage("/forget", from: bot.alice)
            try await bot.waitFor("the confirmation") { $0.sentMessages(inChat: 2001).contains { $0.text?.hasPrefix("🧹 This erases") == true } }
            let confirmation = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.text?.hasPrefix("🧹 This erases") == true })
            let buttons = confirmation.buttons.flatMap { $0 }
            #expect(buttons.map(\.text) == ["🗑️ Yes, erase my data"], "the confirmation carries one button")
            let data = buttons.first?.callbackData ?? "e:\(bot.alice.id)"
            // Someone else's press erases nothing (Bruno is answered in his language); Alice's does.
            bot.emulator.pressButton(data: data, onMessage: confirmation.messageID, inChat: bot.alice.id, by: bot.bruno)
            try await bot.waitFor("the refusal of Bruno's press") { $0.callbackAnswers.count == 1 }
            #expect(try await bot.count("SELECT count(*) FROM jobs WHERE prompt_purged_at IS NOT NULL") == 0)
            bot.emulator.pressButton(data: data, onMessage: confirmation.messageID, inChat: bot.alice.id, by: bot.alice)
            try await bot.waitFor("the answer in place of the confirmation") { snapshot in
                snapshot.sentMessages(inChat: 2001).contains { $0.messageID == confirmation.messageID && $0.text?.hasPrefix("✅") == true }
            }
            try await bot.waitFor("the waiting request's status to show the cancel") { snapshot in
                snapshot.sentMessages(inChat: 2001).contains { $0.text == "🛑 Cancelled." }
            }
            // The buttons of her earlier photo find nothing left.
            let photo = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.method == "sendPhoto" })
            let file = try #require(photo.buttons.flatMap { $0 }.first { $0.text == "📄 Send as file" }?.callbackData)
            bot.emulator.pressButton(data: file, onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            try await bot.waitFor("three button answers") { $0.callbackAnswers.count == 3 }
            await bot.stop()

            let answer = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.messageID == confirmation.messageID })
            #expect(answer.text == "✅ Done. I erased 3 prompts, 2 images and 1 reply that quoted you, cancelled 1 request in progress, and forgot your settings.")
            #expect(answer.buttons.isEmpty, "the edit removed the button")
            #expect(bot.emulator.callbackAnswers.map { $0.text ?? "" } == [
                "✋ Este botón es para quien pidió que lo olvidara.", "Erased 🧹", "🗑️ That image is no longer available.",
            ])

            // Every text, JSON, array and byte column of every table, searched for each marker.
            let hits = try await columnsContaining([secret, avoid, other], bot)
            #expect(hits[secret] == nil, "Alice's prompt is still in \(hits[secret] ?? [])")
            #expect(hits[avoid] == nil, "Alice's negative prompt is still in \(hits[avoid] ?? [])")
            #expect(hits[other] == ["jobs.prompt"], "Bruno's prompts stay where they were")
            #expect(try await bot.count("SELECT count(*) FROM jobs WHERE user_id = $1 AND prompt <> '' AND image_png IS NOT NULL", bot.bruno.id) == 2)
            #expect(try await bot.count("SELECT count(*) FROM jobs WHERE user_id = $1 AND state = 'cancelled'", bot.alice.id) == 1)
            #expect(try await bot.count("SELECT count(*) FROM jobs WHERE user_id = $1 AND (prompt <> '' OR image_png IS NOT NULL)", bot.alice.id) == 0)
            #expect(try await bot.count("SELECT count(*) FROM users WHERE user_id = $1", bot.alice.id) == 0)
            #expect(try await bot.count("SELECT count(*) FROM users WHERE user_id = $1 AND language_code = 'es-AR'", bot.bruno.id) == 1)
            // What the daily limit needs stays.
            #expect(try await bot.count("SELECT jobs AS count FROM user_daily_jobs WHERE user_id = $1", bot.alice.id) == 3)
        }

        /// A day after delivery the purge drops the PNG; "send as file" then says the image
        /// expired, in the user's language, and the other buttons still work.
        @Test func sendAsFileAfterTheImageExpiredSaysSo() async throws {
            let bot = try await StageHarness()
            bot.emulator.sendUserMessage("a lighthouse --steps 4 --size 64x64", from: bot.alice)
            bot.emulator.sendUserMessage("un faro --pasos 4 --tamaño 64x64", from: bot.bruno)
            try await bot.waitFor("two photos") { $0.sentMessages.filter { $0.method == "sendPhoto" }.count == 2 }
            let delivered = try await bot.state(
                "SELECT CASE WHEN count(*) = 2 THEN 'both' ELSE 'not yet' END AS state FROM jobs WHERE state = 'delivered'", reaching: "both")
            #expect(delivered == "both")
            _ = try await bot.rows("UPDATE jobs SET delivered_at = now() - interval '25 hours' RETURNING id")
            let logs = LogCollector()
            let retention = RetentionService(queue: bot.database.queue, policy: RetentionPolicy(), logger: logs.logger())
            #expect(try await retention.round() == JobQueue.Purged(images: 2, prompts: 0, messages: 0))
            #expect(try await retention.round() == JobQueue.Purged(), "nothing is purged twice")
            #expect(logs.lines.contains { $0.text.contains("retention purge") && $0.text.contains(#""lienzo_images_purged": 2"#) })

            for (user, fileButton) in [(bot.alice, "📄 Send as file"), (bot.bruno, "📄 Enviar como archivo")] {
                let photo = try #require(bot.emulator.sentMessages(inChat: user.id).first { $0.method == "sendPhoto" })
                let data = try #require(photo.buttons.flatMap { $0 }.first { $0.text == fileButton }?.callbackData)
                bot.emulator.pressButton(data: data, onMessage: photo.messageID, inChat: user.id, by: user)
            }
            let photo = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.method == "sendPhoto" })
            let newSeed = try #require(photo.buttons.flatMap { $0 }.first { $0.text == "🎲 New seed" }?.callbackData)
            bot.emulator.pressButton(data: newSeed, onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            try await bot.waitFor("three answers and a new photo") { snapshot in
                snapshot.callbackAnswers.count == 3 && snapshot.sentMessages.filter { $0.method == "sendPhoto" }.count == 3
            }
            await bot.stop()
            let answers = bot.emulator.callbackAnswers.map { $0.text ?? "" }
            #expect(answers.contains(
                "⌛ That image has expired: its original file is kept for 24 hours after it is sent (see /privacy). 🎲 New seed and ➕ More steps still work."))
            #expect(answers.contains(
                "⌛ Esa imagen ha caducado: su archivo original se guarda 24 horas después de enviarla (ver /privacidad). 🎲 Otra semilla y ➕ Más pasos siguen funcionando."))
            #expect(answers.contains("Queued ⏳"))
            #expect(!bot.emulator.sentMessages.contains { $0.method == "sendDocument" })
        }

        /// No log line at info or above carries a prompt, whatever Ingest and Deliver go
        /// through: acknowledgements, refusals quoting the user, Telegram failing, buttons,
        /// /forget and the retention purge. (The token has the same check in KillTests; the
        /// Renderer's logs are checked in RenderLogPrivacyTests.)
        @Test func promptsNeverReachTheLogsAtInfoOrAbove() async throws {
            let logs = LogCollector()
            let bot = try await StageHarness(logger: logs.logger())
            let secret = "heron-sextant-4471"
            bot.emulator.addFault(.serverError(), method: "sendPhoto", times: 1)
            bot.emulator.addFault(.badRequest(description: "Bad Request: message to be replied not found"), method: "sendMessage", times: 1)
            bot.emulator.sendUserMessage("a \(secret) at dawn --no \(secret) fog --steps 4 --size 64x64", from: bot.alice)
            bot.emulator.sendUserMessage("a castle --\(secret)", from: bot.alice)
            bot.emulator.sendUserMessage("/generate@lienzo_bot \(secret) --steps 4", from: bot.bruno, in: .group(id: -6002, title: "Birds"))
            try await bot.waitFor("two photos") { $0.sentMessages.filter { $0.method == "sendPhoto" }.count == 2 }
            let photo = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.method == "sendPhoto" })
            for button in photo.buttons.flatMap({ $0 }) {
                bot.emulator.pressButton(data: button.callbackData ?? "", onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            }
            try await bot.waitFor("the buttons' work") { snapshot in
                snapshot.callbackAnswers.count == 3 && snapshot.sentMessages.filter { $0.method == "sendPhoto" }.count == 4
                    && snapshot.sentMessages.contains { $0.method == "sendDocument" }
            }
            bot.emulator.sendUserMessage("/privacy", from: bot.alice)
            bot.emulator.sendUserMessage("/forget", from: bot.alice)
            try await bot.waitFor("the confirmation") { $0.sentMessages(inChat: 2001).contains { $0.text?.hasPrefix("🧹") == true } }
            let confirmation = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.text?.hasPrefix("🧹") == true })
            bot.emulator.pressButton(data: "e:\(bot.alice.id)", onMessage: confirmation.messageID, inChat: bot.alice.id, by: bot.alice)
            try await bot.waitFor("the answer") { $0.sentMessages(inChat: 2001).contains { $0.text?.hasPrefix("✅") == true } }
            _ = try await bot.rows("UPDATE jobs SET delivered_at = now() - interval '2 days', created_at = now() - interval '60 days' RETURNING id")
            _ = try await RetentionService(queue: bot.database.queue, policy: RetentionPolicy(), logger: logs.logger()).round()
            await bot.stop()

            #expect(logs.lines.count > 10, "the stages logged")
            #expect(logs.lines.contains { $0.level >= .info && $0.text.contains("retention purge") })
            #expect(logs.lines(containing: secret, atLeast: .info).isEmpty)
        }

        /// Which columns (`table.column`) hold each marker: every text-like, JSON, array,
        /// enum and bytea column of every table of the test's schema, found through
        /// information_schema so a table added later is searched too.
        private func columnsContaining(_ markers: [String], _ bot: StageHarness) async throws -> [String: [String]] {
            let columns = try await bot.rows("""
                SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, c.data_type::text AS data_type
                  FROM information_schema.columns c
                  JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                 WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                   AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')
                 ORDER BY 1, 2
                """)
            #expect(columns.count > 20)
            func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            var hits: [String: [String]] = [:]
            for column in columns {
                let table: String = try column.decode("table_name")
                let name: String = try column.decode("column_name")
                let found = try column.decode("data_type", as: String.self) == "bytea"
                    ? "position(convert_to($1, 'UTF8') IN \(quoted(name))) > 0"
                    : "strpos(\(quoted(name))::text, $1) > 0"
                for marker in markers where try await bot.count("SELECT count(*) FROM \(quoted(table)) WHERE \(found)", marker) > 0 {
                    hits[marker, default: []].append("\(table).\(name)")
                }
            }
            return hits
        }
    }
}
