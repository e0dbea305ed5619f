import Bot
@testable import BotServices
import Schema
import Testing

/// Routing, languages, texts, callback data, the outbox contract and pacing: pure.
@Suite struct BotRulesTests {
    let router: MessageRouter = {
        var limits = GenerationLimits()
        limits.model = "tiny"
        return MessageRouter(botUsername: "Lienzo_Bot", limits: limits)
    }()

    func route(_ text: String?, privateChat: Bool = true) -> Intent {
        router.route(text: text, isPrivateChat: privateChat, randomSeed: { 5 })
    }

    @Test func privateChatsReadTextGroupsReadCommandsForThisBot() {
        guard case .generate(let request, false) = route("a fox") else {
            Issue.record("plain text in a private chat should generate")
            return
        }
        #expect(request.prompt == "a fox")
        #expect(route("a fox", privateChat: false) == .ignore(reason: "group_text"))
        #expect(route("/status@lienzo_bot", privateChat: false) == .status)
        #expect(route("/cancel@other_bot", privateChat: false) == .ignore(reason: "other_bot"))
        #expect(route("/weather", privateChat: false) == .ignore(reason: "unknown_group_command"))
        #expect(route("/weather") == .reply(.unknownCommand("/weather"), outcome: "unknown_command"))
        #expect(route("/start") == .reply(.help(ModelLine(router.limits)), outcome: "help"))
        #expect(route("/quota") == .quota)
        #expect(route(nil) == .ignore(reason: "no_text"))
        if case .generate(_, let cut) = route("/imagine " + String(repeating: "castle ", count: 80)) {
            #expect(cut)
        } else {
            Issue.record("a long prompt is accepted with a warning")
        }
    }

    @Test func languageFromLanguageCode() {
        #expect(BotLanguage(languageCode: "es") == .spanish)
        #expect(BotLanguage(languageCode: "es-AR") == .spanish)
        #expect(BotLanguage(languageCode: "ES") == .spanish)
        #expect(BotLanguage(languageCode: "en-US") == .english)
        #expect(BotLanguage(languageCode: "pt-BR") == .english)
        #expect(BotLanguage(languageCode: nil) == .english)
    }

    @Test func everyRejectionHasATextInEveryLanguage() {
        let rejections: [Rejection] = [
            .emptyPrompt, .promptTooLong(length: 2, max: 1), .unknownOption(option: "--x"), .missingValue(option: "--seed"),
            .invalidNumber(option: "--cfg", value: "x"), .outOfRange(option: "--steps", value: "0", min: "1", max: "2"),
            .invalidSize(value: "x"), .sizeNotMultipleOf8(width: 1, height: 2),
            .sizeOutOfRange(width: 1, height: 1, minSide: 8, maxSide: 9, maxPixels: 10), .unknownSampler(value: "x", known: ["a"]),
            .textAfterOption(option: "--sampler", value: "euler a", text: "castle"),
            .banned, .dailyLimit(used: 1, limit: 1), .queueFull(pending: 1, max: 1), .jobUnavailable, .imageUnavailable, .unknownButton,
        ]
        for rejection in rejections {
            let english = Texts.text(.rejected(rejection), language: .english)
            let spanish = Texts.text(.rejected(rejection), language: .spanish)
            #expect(!english.isEmpty && !spanish.isEmpty && english != spanish, "\(rejection)")
        }
        #expect(Texts.table(.spanish).commands.map(\.command) == Texts.table(.english).commands.map(\.command))
    }

    /// /help in Spanish shows the Spanish option names, and its example is accepted; the
    /// English /help keeps the English ones.
    @Test func spanishHelpShowsSpanishOptionNames() throws {
        let model = ModelLine(GenerationLimits())
        let spanish = Texts.text(.help(model), language: .spanish)
        for name in ["--negativo <texto>", "--semilla N", "--pasos N", "--tamaño AxB", "-1 = al azar"] {
            #expect(spanish.contains(name), "\(name)")
        }
        #expect(!spanish.contains("--steps") && !spanish.contains("--seed") && !spanish.contains("--size"))
        let english = Texts.text(.help(model), language: .english)
        #expect(english.contains("\n--no <text>   what to avoid (negative prompt)\n--seed N      same seed + same settings = same image; -1 = random\n"))
        for help in [spanish, english] { #expect(help.contains("\"Euler a\", DPM++ 2M Karras"), "AUTOMATIC1111's sampler names in /help") }
        #expect(english.contains("--steps N") && english.contains("--size WxH") && !english.contains("--pasos"))
        for help in [spanish, english] {
            let example = try #require(help.split(separator: "\n").first { $0.hasPrefix("/generate") && $0.contains("--cfg") })
            let arguments = try #require(CommandText(String(example))?.arguments)
            let request = try GenerateParser.parse(arguments).flatMap { GenerationLimits().validate($0, randomSeed: { 1 }) }.get()
            #expect(request.seed == 42 && request.steps == 30 && request.width == 512 && request.height == 768)
        }
        #expect(Texts.text(.rejected(.unknownOption(option: "--ar")), language: .spanish).contains("--semilla, --pasos"))
    }

    @Test func outboxMessagesRoundTrip() {
        let messages: [BotMessage] = [
            .help(ModelLine(GenerationLimits())), .queued(position: 2, remainingToday: 9), .promptCut, .rejected(.queueFull(pending: 3, max: 3)),
            .status([JobStatusLine(jobID: 4, state: "rendering", queuePosition: nil, step: 3, steps: 20)]),
            .cancelled(count: 2), .cancelled(count: 3, rendering: 1), .quota(QuotaLine(usedToday: 1, dailyLimit: 50, pending: 0, maxQueued: 3, banned: false)),
            .jobFailed(error: "out of memory"), .document, .unknownCommand("/x"),
        ]
        for message in messages {
            #expect(BotMessage(kind: message.kind, argsJSON: message.argsJSON) == message)
        }
        // What the database writes itself (notify_user_of_failure).
        #expect(BotMessage(kind: "job_failed", argsJSON: #"{"error": "lease expired"}"#) == .jobFailed(error: "lease expired"))
        #expect(BotMessage(kind: "from_the_future", argsJSON: "{}") == nil)
    }

    @Test func callbackDataIsShortAndStrict() {
        for action in CallbackData.Action.allCases {
            let data = CallbackData(action: action, jobID: .max)
            #expect(data.encoded.utf8.count <= 64)
            #expect(CallbackData(data.encoded) == data)
        }
        for junk in ["", "s", "s:", "s:-1", "x:5", "s:5:6", "s:abc", String(repeating: "s", count: 65)] {
            #expect(CallbackData(junk) == nil, "\(junk)")
        }
    }

    @Test func statusKeys() {
        #expect(StatusKey("rendering:3/20") == .rendering(step: 3, steps: 20))
        #expect(StatusKey("delivered")?.isFinal == true)
        #expect(StatusKey("queued")?.isFinal == false)
        #expect(StatusKey("rendering:x") == nil)
    }

    @Test func pacerSpacesEachChatAndTheWholeBot() {
        var pacer = SendPacer(globalRate: 10, chatInterval: 1, groupInterval: 3)
        pacer.sent(chat: 1, at: 0)
        #expect(pacer.readyAt(chat: 1) == 1)
        #expect(abs(pacer.readyAt(chat: 2) - 0.1) < 1e-9)
        pacer.sent(chat: -5, at: 0.1)
        #expect(abs(pacer.readyAt(chat: -5) - 3.1) < 1e-9)
        // A 429 holds back its chat only…
        pacer.tooManyRequests(chat: 1, retryAfter: 7, at: 0.2)
        #expect(pacer.readyAt(chat: 1) == 7.2)
        #expect(pacer.readyAt(chat: 3) < 1)
        // …until several chats hit flood control at once: then everyone waits.
        pacer.tooManyRequests(chat: 2, retryAfter: 5, at: 0.3)
        pacer.tooManyRequests(chat: 3, retryAfter: 5, at: 0.4)
        #expect(pacer.readyAt(chat: 4) == 5.4)
    }
}

@Suite struct UpdateOffsetTests {
    @Test func offsetMovesPastCommittedUpdatesOnly() {
        var offset = UpdateOffset(stored: nil)
        #expect(offset.next == nil)
        offset.committed(41)
        #expect(offset.next == 42)
        offset.committed(7)  // a late, older commit never moves it back
        #expect(offset.next == 42)
        #expect(UpdateOffset(stored: 100).next == 100)
    }
}
