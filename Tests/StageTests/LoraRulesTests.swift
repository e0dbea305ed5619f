import Bot
import Runtime
import Schema
import Testing

/// LoRA tags in /generate and the /styles texts: pure, no I/O. Whether a name is on
/// offer needs the database (LoraIngestTests).
@Suite struct LoraRulesTests {
    let router = MessageRouter(botUsername: "lienzo_bot", limits: StageHarness.limits())

    func route(_ text: String) -> Intent {
        router.route(text: text, isPrivateChat: true, randomSeed: { 5 })
    }

    func rejection(_ text: String) -> Rejection? {
        guard case .reply(.rejected(let rejection), _) = route(text) else { return nil }
        return rejection
    }

    @Test func acceptedPromptsKeepTheirTagsAsTyped() throws {
        guard case .generate(let request, false) = route("/generate a market at dawn <lora:muralismo:0.8>, <LORA:retablo> --no <lora:bad:x> blurry") else {
            Issue.record("a prompt with good tags should generate")
            return
        }
        #expect(request.prompt == "a market at dawn <lora:muralismo:0.8>, <LORA:retablo>")
        // The negative prompt is text, as in AUTOMATIC1111: its tags are not read.
        #expect(request.negativePrompt == "<lora:bad:x> blurry")
        #expect(GenerationLimits.loras(in: request.prompt).map(\.name) == ["muralismo", "retablo"])
        #expect(GenerationLimits.clipText(of: request.prompt) == "a market at dawn , ")
        // Other angle brackets are prompt text.
        #expect(rejection("a heart <3 and <b>bold</b>") == nil)
    }

    @Test func malformedTooManyAndOutOfRangeTagsAreRefused() {
        #expect(rejection("a market <lora:muralismo:abc>") == .invalidLoraTag(tag: "<lora:muralismo:abc>"))
        #expect(rejection("a market <lora::0.5>") == .invalidLoraTag(tag: "<lora::0.5>"))
        #expect(rejection("a market <lora:a:1:2>") == .invalidLoraTag(tag: "<lora:a:1:2>"))
        #expect(rejection("x <lora:a> <lora:b> <lora:c> <lora:d> <lora:e>") == .tooManyLoras(count: 5, max: 4))
        // A name repeated is one LoRA, and its weights add up.
        #expect(rejection("x <lora:a> <lora:a> <lora:b> <lora:c> <lora:d>") == nil)
        #expect(rejection("x <lora:a:1.5> <lora:a:1>") == .loraWeightOutOfRange(tag: "<lora:a:2.5>", min: "-2", max: "2"))
        #expect(rejection("x <lora:a:-2.5>") == .loraWeightOutOfRange(tag: "<lora:a:-2.5>", min: "-2", max: "2"))
        #expect(rejection("x <lora:a:-2> <lora:b:2> <lora:c:1.2> <lora:c:0.8>") == nil)
        // The code names the reason in telegram_updates.
        #expect(route("x <lora:a:9>") == .reply(
            .rejected(.loraWeightOutOfRange(tag: "<lora:a:9>", min: "-2", max: "2")), outcome: "rejected:lora_weight_out_of_range"))
    }

    @Test func limitsComeFromTheEnvironment() throws {
        let limits = try GenerationLimits(environment: Environment([
            "LIENZO_MODEL": "m", "LIENZO_MAX_LORAS": "1", "LIENZO_MIN_LORA_WEIGHT": "0", "LIENZO_MAX_LORA_WEIGHT": "1.5",
        ]))
        #expect(limits.maxLoras == 1 && limits.minLoraWeight == 0 && limits.maxLoraWeight == 1.5)
        let router = MessageRouter(botUsername: "b", limits: limits)
        let refused = { (text: String) in router.route(text: text, isPrivateChat: true, randomSeed: { 1 }) }
        #expect(refused("x <lora:a> <lora:b>") == .reply(.rejected(.tooManyLoras(count: 2, max: 1)), outcome: "rejected:too_many_loras"))
        #expect(refused("x <lora:a:-0.5>") == .reply(
            .rejected(.loraWeightOutOfRange(tag: "<lora:a:-0.5>", min: "0", max: "1.5")), outcome: "rejected:lora_weight_out_of_range"))
        #expect(throws: ConfigurationError.self) {
            try GenerationLimits(environment: Environment(["LIENZO_MODEL": "m", "LIENZO_MIN_LORA_WEIGHT": "3"]))
        }
    }

    @Test func namesMatchThePublishedOnesExactly() {
        let visible: Set = ["muralismo", "retablo"]
        #expect(GenerationLimits.unknownLora(in: GenerationLimits.loras(in: "<lora:retablo> <lora:muralismo:0.5>"), visible: visible) == nil)
        #expect(GenerationLimits.unknownLora(in: GenerationLimits.loras(in: "<lora:retablo> <lora:Muralismo>"), visible: visible)
            == .unknownLora(name: "Muralismo"))
        #expect(GenerationLimits.unknownLora(in: [], visible: []) == nil)
    }

    @Test func stylesInBothLanguages() {
        #expect(route("/styles") == .styles)
        #expect(route("/estilos") == .styles)
        let styles = [StyleLine(name: "muralismo", description: "Mexican murals\nsecond line ignored"), StyleLine(name: "retablo", description: "")]
        #expect(Texts.text(.styles(styles), language: .english) == """
            🎨 Styles you can add to a prompt:
            • muralismo — Mexican murals
            • retablo

            Add one as <lora:NAME:0.8>, for example:
            /generate a market at dawn <lora:muralismo:0.8>
            The number is its strength (1 when left out); several can be combined.
            """)
        #expect(Texts.text(.styles(styles), language: .spanish).hasPrefix("🎨 Estilos que puedes añadir a una descripción:\n• muralismo — Mexican murals\n• retablo\n"))
        #expect(Texts.text(.styles([]), language: .english) == "🎨 There are no styles to choose from yet.")
        #expect(Texts.text(.styles([]), language: .spanish) == "🎨 Todavía no hay estilos para elegir.")
        for language in BotLanguage.allCases {
            #expect(Texts.table(language).commands.contains { $0.command == "styles" })
            #expect(Texts.table(language).help(ModelLine(GenerationLimits())).contains("<lora:"))
        }
        #expect(Texts.table(.spanish).help(ModelLine(GenerationLimits())).contains("/estilos"))
    }

    @Test func aLongListStaysWithinOneTelegramMessage() {
        let styles = (0..<300).map { StyleLine(name: "style_\($0)", description: String(repeating: "long words ", count: 30)) }
        #expect(styles[0].description.count == 101)  // 100 characters and "…"
        let text = Texts.text(.styles(styles), language: .english)
        #expect(text.utf16.count <= 4096)
        #expect(text.contains("• style_0 — ") && text.contains("more"))
        let message = BotMessage.styles(styles)
        #expect(BotMessage(kind: message.kind, argsJSON: message.argsJSON) == message)
    }

    @Test func everyLoraRejectionHasATextInEveryLanguage() {
        let rejections: [Rejection] = [
            .invalidLoraTag(tag: "<lora:x:y>"), .unknownLora(name: "x"), .tooManyLoras(count: 5, max: 4), .tooManyLoras(count: 1, max: 0),
            .loraWeightOutOfRange(tag: "<lora:x:3>", min: "-2", max: "2"),
        ]
        for rejection in rejections {
            let english = Texts.text(.rejected(rejection), language: .english)
            let spanish = Texts.text(.rejected(rejection), language: .spanish)
            #expect(english != spanish, "\(rejection)")
            #expect(english.contains("/styles") || rejection == .tooManyLoras(count: 1, max: 0), "\(english)")
            #expect(spanish.contains("/estilos") || rejection == .tooManyLoras(count: 1, max: 0), "\(spanish)")
            #expect(BotMessage(kind: "rejected", argsJSON: BotMessage.rejected(rejection).argsJSON) == .rejected(rejection))
        }
    }
}
