import Bot
@testable import BotServices
import Foundation
import Schema
import Telegram
import Testing
import TestSupport

/// The seeded prompt rules (sql/migrations/0010_prompt_rules.sql) applied by Ingest on
/// every path a request takes: one update at a time, a run in one transaction, a button.
/// A refusal writes a reply and a `refused_prompts` row, never a job or the prompt.
@Suite struct PromptRulesIngestTests {
    static func prepare() async throws -> (TestDatabase, UpdateHandler) {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        var handler = GenerateRunTests.handler(db)
        handler.blocklist = PromptBlocklist(try await db.queue.promptRules())
        return (db, handler)
    }

    static let updates: [Update] = [
        LoraIngestTests.message(1, "a class of students in Essex"),
        LoraIngestTests.message(2, "una mujer DESNÚDA en la playa", user: 2),
        LoraIngestTests.message(3, "a n.s.f.w poster <lora:muralismo>"),
        LoraIngestTests.message(4, "a castle --no nude, nsfw"),
        LoraIngestTests.message(5, "/generate un hombre sin   ropa", user: 2),
    ]
    static let outcomes = ["enqueued", "rejected:blocked_prompt", "rejected:blocked_prompt", "enqueued", "rejected:blocked_prompt"]

    static func strings(_ db: TestDatabase, _ name: String, _ sql: String) async throws -> [String] {
        try await db.connection.query(SQLText(name: name, text: sql)).map { try $0.decode("row") }
    }

    @Test func oneAtATimeAndAsARunRefuseTheSameRequestsAndCountThem() async throws {
        let (oneByOne, single) = try await Self.prepare()
        let (asARun, handler) = try await Self.prepare()
        var outcomes: [String] = []
        for update in Self.updates { outcomes.append(try await single.handle(update).outcome) }
        #expect(outcomes == Self.outcomes)
        let run = Self.updates.compactMap(handler.generateMessage)
        #expect(try await handler.handleRun(run).map(\.outcome) == Self.outcomes)
        let written = try await GenerateRunTests.written(asARun)
        #expect(written == (try await GenerateRunTests.written(oneByOne)))

        // Only the innocent prompt and the one whose --no names the words became jobs; the
        // LoRA check never ran for the refused one (muralismo is not published here).
        #expect(try await LoraIngestTests.prompts(asARun) == ["a class of students in Essex", "a castle"])
        let replies = try await Self.strings(asARun, "TestRuleReplies", """
            SELECT reply_to_message_id || ' ' || kind || ' ' || args::text || ' ' || coalesce(language_code, '-') AS row FROM outbox ORDER BY id
            """)
        #expect(replies.count == 5)
        #expect(replies[1] == #"20 rejected {"rejection": {"blockedPrompt": {}}} es"#)
        // One audit row per refusal: user, chat, day and rule, and nothing of the prompt.
        for db in [oneByOne, asARun] {
            let audit = try await Self.strings(db, "TestRefusedRows", """
                SELECT user_id || ' ' || chat_id || ' ' || (day = (now() AT TIME ZONE 'UTC')::date) || ' ' || rule AS row
                  FROM refused_prompts ORDER BY id
                """)
            #expect(audit == ["2 2 true desnud*", "1 1 true nsfw", "2 2 true sin ropa"])
        }
        let everything = try await Self.strings(asARun, "TestRefusedJSON", "SELECT to_jsonb(r)::text AS row FROM refused_prompts r")
        for word in ["mujer", "playa", "poster", "hombre", "DESN", "n.s.f.w"] {
            #expect(!everything.joined().contains(word), "\(word)")
        }
        let view = try await Self.strings(asARun, "TestRefusedView", """
            SELECT user_id || ' ' || refused || ' ' || chats || ' ' || array_to_string(rules, ',') AS row
              FROM refused_prompts_per_user_per_day ORDER BY user_id
            """)
        #expect(view == ["1 1 1 nsfw", "2 2 1 desnud*,sin ropa"])
    }

    /// A button makes a new image, so its prompt is checked again: a rule added since the
    /// photo was made refuses it, as an alert, and counts it.
    @Test func aButtonOnAJobWhosePromptARuleNowCoversIsRefused() async throws {
        var (db, handler) = try await Self.prepare()
        #expect(try await handler.handle(LoraIngestTests.message(1, "a gory battle")).outcome == "enqueued")
        let jobID: Int64 = try #require(try await db.connection.query(SQLText(name: "TestFirstJob", text: "SELECT id FROM jobs")).first?.decode("id"))
        try await db.connection.query(SQLText(name: "TestAddGory", text: "INSERT INTO prompt_rules (kind, rule) VALUES ('pattern', 'gor(e|y)')"))
        handler.blocklist = PromptBlocklist(try await db.queue.promptRules())

        let press = Update(updateID: 7, callbackQuery: CallbackQuery(
            id: "press", from: User(id: 1, firstName: "U1", languageCode: "es"),
            message: Message(messageID: 99, date: 1, chat: Chat(id: 1, type: "private")), chatInstance: "c", data: "s:\(jobID)"))
        let handled = try await handler.handle(press)
        #expect(handled.outcome == "callback:rejected:blocked_prompt")
        #expect(handled.callbackAnswer?.text == Texts.table(.spanish).rejection(.blockedPrompt))
        #expect(handled.callbackAnswer?.showAlert == true)
        #expect(try await LoraIngestTests.prompts(db).count == 1)
        #expect(try await Self.strings(db, "TestButtonRefusal", "SELECT rule AS row FROM refused_prompts") == ["gor(e|y)"])
    }
}

extension StageLaneB {
    /// Through the emulator: the replies in both languages, and an operator's edits read
    /// again after the refresh interval.
    @Suite struct PromptRulesStageTests {
        static func configuration(refresh: Duration) -> IngestConfiguration {
            var configuration = StageHarness.ingestConfiguration()
            configuration.promptRulesRefresh = refresh
            return configuration
        }

        @Test func aRefusedPromptGetsTheReplyInTheUsersLanguageAndNoJob() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("/generate a NUDE portrait", from: bot.alice)
            bot.emulator.sendUserMessage("/generate p 0 r n o", from: bot.bruno)
            try await bot.waitFor("both replies") { $0.sentMessages(inChat: 2001).count >= 1 && $0.sentMessages(inChat: 2002).count >= 1 }
            let jobs = try await bot.rows("SELECT count(*) AS n FROM jobs").first?.decode("n", as: Int.self)
            await bot.stop()

            #expect(jobs == 0)
            #expect(bot.texts(inChat: bot.alice.id) == [
                "🚫 I won't draw that: this bot's rules do not allow that kind of image. Try another description.",
            ])
            #expect(bot.texts(inChat: bot.bruno.id) == [
                "🚫 No voy a dibujar eso: las normas de este bot no permiten ese tipo de imagen. Prueba con otra descripción.",
            ])
        }

        /// An operator adds a rule and deletes a seed one while Ingest runs: with refresh 0
        /// the next batch reads them; with an hour, the list read at the first batch stays.
        @Test(arguments: [(Duration.zero, ["queued", "blocked", "queued"]), (.seconds(3600), ["queued", "queued", "blocked"])])
        func operatorEditsApplyAfterTheRefresh(refresh: Duration, expected: [String]) async throws {
            let bot = try await StageHarness(render: false, ingestConfiguration: Self.configuration(refresh: refresh))
            bot.emulator.sendUserMessage("/generate a zombie", from: bot.alice)
            try await bot.waitFor("the first reply") { $0.sentMessages(inChat: 2001).count >= 1 }
            _ = try await bot.rows("INSERT INTO prompt_rules (kind, rule, note) VALUES ('term', 'zombie*', 'test') RETURNING id")
            _ = try await bot.rows("DELETE FROM prompt_rules WHERE rule = 'nude' RETURNING id")
            bot.emulator.sendUserMessage("/generate zombies at night", from: bot.alice)
            try await bot.waitFor("the second reply") { $0.sentMessages(inChat: 2001).count >= 2 }
            bot.emulator.sendUserMessage("/generate a nude lipstick ad", from: bot.alice)
            try await bot.waitFor("the third reply") { $0.sentMessages(inChat: 2001).count >= 3 }
            await bot.stop()

            #expect(bot.texts(inChat: bot.alice.id).map { $0.hasPrefix("🚫") ? "blocked" : $0.hasPrefix("⏳") ? "queued" : $0 } == expected)
        }
    }
}
