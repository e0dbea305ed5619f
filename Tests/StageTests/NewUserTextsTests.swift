import Bot
import Testing

/// Issue 16's texts: /status names each request by its prompt, /help states the limits,
/// counts are grouped in both languages, and the prompt-cut warning is a message of its own.
@Suite struct NewUserTextsTests {
    @Test func numbersAreGroupedInBothLanguages() {
        #expect(NumberText.grouped(0, separator: ",") == "0")
        #expect(NumberText.grouped(999, separator: ",") == "999")
        #expect(NumberText.grouped(1234, separator: ",") == "1,234")
        #expect(NumberText.grouped(1_234_567, separator: ".") == "1.234.567")
        #expect(NumberText.grouped(-12345, separator: ".") == "-12.345")
        let quota = QuotaLine(usedToday: 1234, dailyLimit: 10000, pending: 2, maxQueued: 5, banned: false)
        #expect(Texts.text(.quota(quota), language: .english) == "📊 Today: 1,234 of 10,000 used, 8,766 left. Waiting now: 2 of 5.")
        #expect(Texts.text(.quota(quota), language: .spanish) == "📊 Hoy: 1.234 de 10.000 usadas, te quedan 8.766. Esperando ahora: 2 de 5.")
        #expect(Texts.text(.queued(position: 3, remainingToday: 1500), language: .spanish) == "⏳ En cola, posición 3.\nTe quedan 1.500 hoy.")
        #expect(Texts.text(.rejected(.dailyLimit(used: 2000, limit: 2000)), language: .english).contains("used 2,000 of 2,000 images"))
    }

    @Test func statusShowsTheStartOfEachPrompt() {
        let lines = [
            JobStatusLine(jobID: 12, state: "queued", queuePosition: 2, step: 0, steps: 20,
                          promptStart: "a castle at dusk, oil painting, golden hour"),
            JobStatusLine(jobID: 13, state: "rendering", queuePosition: nil, step: 3, steps: 20, promptStart: "un faro\nen la niebla"),
            JobStatusLine(jobID: 14, state: "rendered", queuePosition: nil, step: 20, steps: 20),
        ]
        #expect(Texts.text(.status(lines), language: .english) == """
            📋 Your requests:
            #12 «a castle at dusk, oil pa…» — queued, position 2
            #13 «un faroen la niebla» — rendering, step 3/20
            #14 — rendered, sending
            """)
        #expect(Texts.text(.status(lines), language: .spanish).contains("\n#12 «a castle at dusk, oil pa…» — en cola, posición 2\n"))
        // The prompt never rides in the outbox args: Deliver reads it from the job.
        let message = BotMessage.status(lines)
        #expect(!message.argsJSON.contains("castle") && !message.argsJSON.contains("faro"))
        #expect(BotMessage(kind: message.kind, argsJSON: message.argsJSON) == .status(lines.map {
            JobStatusLine(jobID: $0.jobID, state: $0.state, queuePosition: $0.queuePosition, step: $0.step, steps: $0.steps)
        }))
    }

    @Test func helpStatesTheLimitsInTheUsersLanguage() {
        var model = ModelLine(GenerationLimits())
        #expect(Texts.text(.help(model), language: .english).contains("\n📏 Limits: sides up to 1,024 px, 786,432 pixels in all.\n"))
        (model.dailyLimit, model.maxQueued) = (1500, 1)
        let english = Texts.text(.help(model), language: .english)
        #expect(english.contains("\n📏 Limits: sides up to 1,024 px, 786,432 pixels in all; 1,500 images a day, 1 waiting at once.\n"))
        #expect(english.contains("20 steps, CFG 7.5, sampler euler_a, 512×512 by default (up to 50 steps)."))
        let spanish = Texts.text(.help(model), language: .spanish)
        #expect(spanish.contains("\n📏 Límites: lados de hasta 1.024 px, 786.432 píxeles en total; 1.500 imágenes al día, 1 pedido esperando a la vez.\n"))
        #expect(BotMessage(kind: "help", argsJSON: BotMessage.help(model).argsJSON) == .help(model))
    }

    /// "N left today" is the acknowledgement's second line, which every status edit keeps
    /// (Spanish in the singular too); a request that ended without an image drops it.
    @Test func theDailyCountIsALineTheStatusEditsKeep() {
        #expect(Texts.text(.queued(position: 3, remainingToday: 7), language: .english) == "⏳ Queued, position 3.\n7 left today.")
        #expect(Texts.status(.rendering(step: 4, steps: 20), remainingToday: 1234, language: .english)
            == "🎨 Rendering… step 4/20\n1,234 left today.")
        #expect(Texts.status(.preview(step: 2, steps: 20), remainingToday: 1, language: .spanish) == "🎨 Dibujando… paso 2/20\nTe queda 1 hoy.")
        #expect(Texts.status(.delivered, remainingToday: 0, language: .english) == "✅ Done.\n0 left today.")
        #expect(Texts.status(.cancelled, remainingToday: 5, language: .english) == "🛑 Cancelled.")
        #expect(Texts.status(.failed, remainingToday: 5, language: .spanish) == "😞 Falló.")
        #expect(Texts.status(.rendered, remainingToday: nil, language: .english) == "📤 Rendered, sending…")
    }

    @Test func promptCutIsAMessageOfItsOwn() {
        #expect(Texts.text(.promptCut, language: .english, cutPrompt: "the tail")
            == "⚠️ The model reads about 75 tokens of a prompt; this end will probably be ignored: «the tail»")
        #expect(Texts.text(.promptCut, language: .spanish, cutPrompt: "la cola").hasSuffix("se ignorará: «la cola»"))
        // Nothing to quote (the prompt was erased): no text, and Deliver sends nothing.
        #expect(Texts.text(.promptCut, language: .english).isEmpty)
        #expect(BotMessage(kind: "prompt_cut", argsJSON: BotMessage.promptCut.argsJSON) == .promptCut)
        // A row written before the warning had its own message.
        #expect(BotMessage(kind: "queued", argsJSON: #"{"position":1,"remaining":4,"prompt_cut":true}"#)
            == .queued(position: 1, remainingToday: 4))
    }
}
