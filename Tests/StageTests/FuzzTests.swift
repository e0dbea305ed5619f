import Bot
import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

extension StageLaneA {
    /// Generated updates through the real Ingest and Deliver: random and hostile text from
    /// every Unicode plane, option abuse, entities outside the text, edits, channel posts,
    /// forged and stale button data, photos, stickers, unknown kinds. Nothing may crash or
    /// stall: every update is confirmed and recorded without an error, every message from
    /// a user is answered, and the audits find nothing stuck. `LIENZO_FUZZ_UPDATES` sets the
    /// count (10,000 for the full run; CI runs 1,500); `LIENZO_TEST_SEED` replays a run.
    @Suite struct FuzzTests {
        static let updates = Int(ProcessInfo.processInfo.environment["LIENZO_FUZZ_UPDATES"] ?? "") ?? 1_500

        @Test func generatedUpdatesAreAllHandledAndAnswered() async throws {
            let seed = UInt64(ProcessInfo.processInfo.environment["LIENZO_TEST_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(UInt32.max))
            print("FuzzTests seed \(seed) (LIENZO_TEST_SEED=\(seed) replays it), \(Self.updates) updates")
            // About 200 updates a user, so that Telegram's per-chat pacing does not make the
            // replies of a large run wait for minutes.
            var generator = UpdateFuzzer(seed: seed, users: max(5, Self.updates / 200))
            let bot = try await StageHarness(render: false, unlimitedQuotas: false)
            // The users' chats exist on the Telegram side (they wrote to the bot before).
            for user in generator.users { bot.emulator.addChat(EmulatedChat(id: user, type: "private", firstName: "F\(user)")) }
            bot.emulator.addChat(.group(id: -5005, title: "Fuzzers"))
            let started = ContinuousClock.now
            var expected: [UpdateFuzzer.Fuzzed] = []
            for _ in 0..<Self.updates {
                let update = generator.next()
                if update.expectsReply { expected.append(update) }
                bot.emulator.injectRawUpdate(update.json)
            }
            let expectedReplies = expected.count
            try await bot.waitFor("every update confirmed", timeout: .seconds(240)) { $0.pendingUpdateCount == 0 }
            let handledIn = ContinuousClock.now - started
            // Each text message from a user in a private chat gets one reply (an acknowledgement,
            // a refusal or a command's answer) — replies may still be on their way.
            let deadline = ContinuousClock.now + .seconds(120)
            var answered = 0
            while ContinuousClock.now < deadline {
                answered = try await bot.count("SELECT count(*) FROM outbox WHERE state = 'sent'")
                if answered >= expectedReplies { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            let outcomes = try await bot.rows("SELECT outcome, count(*) AS n FROM telegram_updates GROUP BY outcome ORDER BY n DESC")
                .map { "\(try $0.decode("outcome", as: String?.self) ?? "NULL"): \(try $0.decode("n", as: Int64.self))" }
            let errors = try await bot.count("SELECT count(*) FROM telegram_updates WHERE outcome IS NULL OR outcome LIKE 'error:%'")
            let failedReplies = try await bot.count("SELECT count(*) FROM outbox WHERE state = 'failed'")
            let stuck = try await bot.count("SELECT count(*) FROM (\(try Self.audit("stuck_jobs"))) s WHERE s.source <> 'total_leased'")
            // Before the /help below: its row, already shown in the chat but not yet recorded
            // as sent, would read as a message stuck in 'sending'.
            if answered < expectedReplies { try await Self.explainMissingReplies(bot, expected: expected) }
            // Ingest is still alive and answering.
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            try await bot.waitFor("help after the storm", timeout: .seconds(30)) { snapshot in
                snapshot.sentMessages(inChat: bot.alice.id).contains { $0.text?.hasPrefix("🎨") == true }
            }
            await bot.stop()
            print("FuzzTests: \(Self.updates) updates handled in \(handledIn), \(answered) replies for \(expectedReplies) messages; outcomes \(outcomes.prefix(12))")
            #expect(errors == 0, "updates recorded as errors: \(outcomes)")
            #expect(answered >= expectedReplies, "\(answered) replies for \(expectedReplies) messages")
            #expect(failedReplies == 0)
            #expect(stuck == 0)
        }

        /// Prints what the outbox holds and which expected replies have no row (each reply
        /// quotes the message it answers).
        static func explainMissingReplies(_ bot: StageHarness, expected: [UpdateFuzzer.Fuzzed]) async throws {
            let states = try await bot.rows("SELECT state::text AS state, kind, count(*) AS n FROM outbox GROUP BY 1, 2 ORDER BY 3 DESC")
                .map { "\(try $0.decode("state", as: String.self)) \(try $0.decode("kind", as: String.self)): \(try $0.decode("n", as: Int64.self))" }
            print("FuzzTests outbox: \(states)")
            var replied = Set<String>()
            for row in try await bot.rows("SELECT chat_id, reply_to_message_id FROM outbox WHERE reply_to_message_id IS NOT NULL") {
                replied.insert("\(try row.decode("chat_id", as: Int64.self))/\(try row.decode("reply_to_message_id", as: Int64.self))")
            }
            let unanswered = expected.filter { !replied.contains("\($0.chatID)/\($0.messageID)") }
            for update in unanswered.prefix(10) { print("FuzzTests unanswered: \(update.json)") }
            print("FuzzTests unanswered: \(unanswered.count)")
        }

        /// The generator's expectation agrees with what the bot reads: the router sees the
        /// text after `PromptSanitizer`, so a control character before `/generate@other_bot`
        /// (LIENZO_TEST_SEED=2553856301 with 10,000 updates sends "\u{0}/generate@other_bot…")
        /// still makes a command for another bot, left unanswered.
        @Test func expectedRepliesFollowWhatTheBotReads() {
            let router = MessageRouter(botUsername: "lienzo_bot", limits: StageHarness.limits())
            let texts = [
                "/generate@other_bot a castle", "\u{0}/generate@other_bot𝔠𝔞𝔰𝔱𝔩𝔢\n%s%n\n--size 64x64\n", "\u{1}\u{0}/generate@other_bot",
                "\t/generate@other_bot", "\u{FEFF}/generate@other_bot", " /generate@other_bot", "\n/generate@other_bot",
                "a castle /generate@other_bot", "/generate a castle", "\u{0}/help", "\u{0}", "/generate@lienzo_bot a castle",
            ]
            for text in texts {
                let answered: Bool
                if case .ignore = router.route(text: text, isPrivateChat: true, randomSeed: { 1 }) { answered = false } else { answered = true }
                #expect(UpdateFuzzer.expectsReply(toPrivateText: text) == answered, "\(text.debugDescription)")
            }
        }

        static func audit(_ name: String) throws -> String {
            let url = StageProcess.repositoryRoot.appendingPathComponent("sql/audits/\(name).sql")
            return try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ";")))
        }
    }
}

/// Makes hostile updates from a seed (SplitMix64), as Telegram would deliver them.
struct UpdateFuzzer {
    struct Fuzzed {
        var json: String
        /// A text message from a user in a private chat: the bot answers it.
        var expectsReply: Bool
        /// The sender's chat and the update's message id (what a reply quotes).
        var chatID: Int64 = 0
        var messageID = 0
    }

    /// Whether the bot answers this text in a private chat: everything but a command to
    /// another bot. Judged on the text as the router reads it, after `PromptSanitizer`
    /// drops control characters: "\u{0}/generate@other_bot" is such a command too.
    static func expectsReply(toPrivateText raw: String) -> Bool {
        !PromptSanitizer.clean(raw).text.hasPrefix("/generate@other_bot")
    }

    private var state: UInt64
    private var messageID = 1
    let users: [Int64]

    init(seed: UInt64, users: Int) {
        state = seed
        self.users = (0..<Int64(users)).map { 3001 + $0 }
    }

    mutating func random() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { Int(random() % UInt64(n)) }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    static let pieces = [
        "/generate", "/generate@other_bot", "/status", "/cancel", "/quota", "/help", "/start", "/styles", "/estilos",
        "--steps", "--steps 0", "--steps 99999999999999999999", "--seed -1", "--seed 1e309", "--size 0x0", "--size 64x64",
        "--size 8x4096", "--cfg -inf", "--cfg NaN", "--cfg 7.5", "--sampler", "--sampler \"Euler a", "--sampler 'DPM++ 2M Karras'",
        "--no", "--negative", "—steps 5", "–seed 3", "<lora:", "<lora:x:y:z>", "<lora:nope:0.5>", "a castle", "un gato",
        "\u{200F}", "\u{200D}", "\u{202E}", "\u{FEFF}", "\u{0}", "\u{1}", "\n", "\t", "%s%n", "'; DROP TABLE jobs; --",
        "\\", "\"", "{}", "[]", "🏰", "👨‍👩‍👧‍👦", "𝔠𝔞𝔰𝔱𝔩𝔢", "ｃａｓｔｌｅ", "n.s.f.w", "ñandú", "ÁÉÍÓÚ",
    ]

    /// Any valid scalar, from any plane; surrogates are not scalars.
    mutating func scalar() -> Character {
        while true {
            let plane = pick([0, 0, 0, 1, 2, 3, 14, 15, 16])
            let value = UInt32(plane << 16) | UInt32(below(0x10000))
            if let scalar = Unicode.Scalar(value) { return Character(scalar) }
        }
    }

    mutating func text() -> String {
        var text = ""
        let parts = 1 + below(12)
        for _ in 0..<parts {
            switch below(4) {
            case 0: text += String((0..<(1 + below(20))).map { _ in scalar() })
            default: text += pick(Self.pieces)
            }
            text += pick([" ", " ", "", "\n"])
        }
        if below(40) == 0 { text = String(repeating: pick(["a", "🏰", "ñ", " "]), count: 4096) }
        return text
    }

    static func quoted(_ s: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])
        let array = data.flatMap { String(data: $0, encoding: .utf8) } ?? "[\"\"]"
        return String(array.dropFirst().dropLast())
    }

    mutating func next() -> Fuzzed {
        var fuzzed = make()
        fuzzed.messageID = messageID
        return fuzzed
    }

    private mutating func make() -> Fuzzed {
        let user = pick(users)
        let from = #"{"id": \#(user), "is_bot": false, "first_name": "F\#(user)", "language_code": "\#(pick(["en", "es", "es-AR", "pt", "zz"]))"}"#
        let privateChat = #"{"id": \#(user), "type": "private"}"#
        messageID += 1
        let raw = text()
        let text = Self.quoted(raw)
        // A command addressed to another bot is not for this one, in any chat.
        let forUs = Self.expectsReply(toPrivateText: raw)
        switch below(20) {
        case 0:
            return Fuzzed(json: #"{"edited_message": {"message_id": \#(messageID), "date": 1, "chat": \#(privateChat), "from": \#(from), "text": \#(text)}}"#, expectsReply: false)
        case 1:
            return Fuzzed(json: #"{"channel_post": {"message_id": \#(messageID), "date": 1, "chat": {"id": -100777, "type": "channel"}, "text": \#(text)}}"#, expectsReply: false)
        case 2:
            let data = Self.quoted(pick(["j:999999:seed", "j:1:steps", "x", "", String(repeating: "z", count: 64), "j:-1:file", "j:1:seed:extra"]))
            return Fuzzed(json: #"{"callback_query": {"id": "q\#(messageID)", "from": \#(from), "chat_instance": "c", "data": \#(data), "message": {"message_id": 1, "date": 0, "chat": \#(privateChat)}}}"#, expectsReply: false)
        case 3:
            return Fuzzed(json: #"{"message": {"message_id": \#(messageID), "date": 1, "chat": \#(privateChat), "from": \#(from), "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}}"#, expectsReply: false)
        case 4:
            return Fuzzed(json: #"{"message": {"message_id": \#(messageID), "date": 1, "chat": \#(privateChat), "from": \#(from), "sticker": {"file_id": "s"}}}"#, expectsReply: false)
        case 5:
            return Fuzzed(json: #"{"mystery_update": {"id": \#(messageID)}}"#, expectsReply: false)
        case 6:
            // Entities pointing outside the text.
            return Fuzzed(json: #"{"message": {"message_id": \#(messageID), "date": 1, "chat": \#(privateChat), "from": \#(from), "text": \#(text), "entities": [{"type": "bot_command", "offset": 4000, "length": 99}, {"type": "bold", "offset": -3, "length": 2}]}}"#, expectsReply: forUs, chatID: user)
        case 7:
            // A group message without a command to this bot is not answered.
            return Fuzzed(json: #"{"message": {"message_id": \#(messageID), "date": 1, "chat": {"id": -5005, "type": "group"}, "from": \#(from), "text": \#(Self.quoted("just chatting " + String(messageID)))}}"#, expectsReply: false)
        default:
            return Fuzzed(json: #"{"message": {"message_id": \#(messageID), "date": 1, "chat": \#(privateChat), "from": \#(from), "text": \#(text)}}"#, expectsReply: forUs, chatID: user)
        }
    }
}
