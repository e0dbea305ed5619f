@testable import Bot
@testable import Runtime
import Schema
import Telegram
import Testing

/// /privacy and /forget as pure rules: routing, texts in both languages, the outbox
/// contract, the confirmation's button, and the retention settings.
@Suite struct PrivacyRulesTests {
    let router: MessageRouter = {
        var limits = GenerationLimits()
        limits.model = "tiny"
        return MessageRouter(botUsername: "Lienzo_Bot", limits: limits)
    }()

    @Test func commandsInBothLanguagesAndInGroups() {
        for (text, intent) in [("/privacy", Intent.privacy), ("/privacidad", .privacy), ("/forget", .forget), ("/olvidar", .forget)] {
            #expect(router.route(text: text, isPrivateChat: true, randomSeed: { 1 }) == intent, "\(text)")
        }
        #expect(router.route(text: "/forget@lienzo_bot", isPrivateChat: false, randomSeed: { 1 }) == .forget)
        #expect(router.route(text: "/forget@other_bot", isPrivateChat: false, randomSeed: { 1 }) == .ignore(reason: "other_bot"))
        for language in BotLanguage.allCases {
            let commands = Texts.table(language).commands.map(\.command)
            #expect(commands.contains("privacy") && commands.contains("forget"), "\(language)")
        }
        let help = (Texts.text(.help(ModelLine(router.limits)), language: .english), Texts.text(.help(ModelLine(router.limits)), language: .spanish))
        #expect(help.0.contains("/privacy what I keep about you · /forget erase it"))
        #expect(help.1.contains("/privacidad qué guardo de ti · /olvidar bórralo"))
    }

    @Test func privacyQuotesTheWindows() {
        let line = PrivacyLine(keepImagesSeconds: 86_400, keepPromptsSeconds: 30 * 86_400)
        let english = Texts.text(.privacy(line), language: .english)
        #expect(english.contains("• Your prompts (and what to avoid): 30 days, so that 🎲 New seed and ➕ More steps can draw them again."))
        #expect(english.contains("• Your images: 24 hours after they are sent, for 📄 Send as file."))
        let spanish = Texts.text(.privacy(line), language: .spanish)
        #expect(spanish.contains("• Tus descripciones (y lo que pides evitar): 30 días, para que"))
        #expect(spanish.contains("• Tus imágenes: 24 horas después de enviarlas, para 📄 Enviar como archivo."))
        // Images not kept after sending, and windows that are not whole days.
        let short = PrivacyLine(keepImagesSeconds: 0, keepPromptsSeconds: 90)
        #expect(Texts.text(.privacy(short), language: .english).contains("• Your images: not kept once they are sent;"))
        #expect(Texts.text(.privacy(short), language: .english).contains("(and what to avoid): 2 minutes,"))
        #expect(Texts.text(.privacy(short), language: .spanish).contains("• Tus imágenes: no se guardan una vez enviadas;"))
        #expect(RetentionSpan(seconds: 86_400) == .hours(24))
        #expect(RetentionSpan(seconds: 7 * 86_400) == .days(7))
        #expect(RetentionSpan(seconds: 1800) == .minutes(30))
    }

    @Test func forgottenSaysWhatWasErased() {
        let all = ForgetLine(prompts: 3, images: 2, cancelled: 1, quotes: 1, settings: true)
        #expect(Texts.text(.forgotten(all), language: .english)
            == "✅ Done. I erased 3 prompts, 2 images and 1 reply that quoted you, cancelled 1 request in progress, and forgot your settings.")
        #expect(Texts.text(.forgotten(all), language: .spanish)
            == "✅ Hecho. Borré 3 descripciones, 2 imágenes y 1 respuesta que te citaba, cancelé 1 pedido en curso y olvidé tus ajustes.")
        let one = ForgetLine(prompts: 1, images: 0, cancelled: 0, quotes: 0, settings: false)
        #expect(Texts.text(.forgotten(one), language: .english) == "✅ Done. I erased 1 prompt and 0 images.")
        let settings = ForgetLine(prompts: 1, images: 1, cancelled: 0, quotes: 0, settings: true)
        #expect(Texts.text(.forgotten(settings), language: .english) == "✅ Done. I erased 1 prompt and 1 image, and forgot your settings.")
        #expect(Texts.text(.forgotten(settings), language: .spanish) == "✅ Hecho. Borré 1 descripción y 1 imagen, y olvidé tus ajustes.")
        let none = ForgetLine(prompts: 0, images: 0, cancelled: 0, quotes: 0, settings: false)
        #expect(Texts.text(.forgotten(none), language: .english) == "✅ Done: I had nothing of yours left to erase.")
        #expect(Texts.text(.forgotten(none), language: .spanish) == "✅ Hecho: no me quedaba nada tuyo que borrar.")
    }

    @Test func theConfirmationCarriesOneButtonForItsUserOnly() throws {
        for language in BotLanguage.allCases {
            let markup = try #require(Texts.replyMarkup(.forgetConfirm(userID: 2001), language: language))
            let buttons = markup.inlineKeyboard.flatMap { $0 }
            #expect(buttons.count == 1)
            #expect(buttons.first?.callbackData.flatMap(CallbackData.init) == CallbackData.forget(userID: 2001))
            #expect(buttons.first?.text == Texts.table(language).forgetButton)
            #expect(!Texts.text(.forgetConfirm(userID: 2001), language: language).isEmpty)
        }
        #expect(Texts.replyMarkup(.privacy(PrivacyLine(keepImagesSeconds: 1, keepPromptsSeconds: 1)), language: .english) == nil)
        #expect(CallbackData("e:2001") == CallbackData.forget(userID: 2001))
        #expect(CallbackData("e:0") == nil)
    }

    @Test func newMessagesRoundTripThroughTheOutboxAndNeverCarryText() {
        let messages: [BotMessage] = [
            .privacy(PrivacyLine(keepImagesSeconds: 3600, keepPromptsSeconds: 86_400)), .forgetConfirm(userID: 42),
            .forgotten(ForgetLine(prompts: 1, images: 2, cancelled: 3, quotes: 4, settings: true)),
            .rejected(.imageExpired(keptSeconds: 86_400)), .rejected(.notYourButton),
        ]
        for message in messages {
            #expect(BotMessage(kind: message.kind, argsJSON: message.argsJSON) == message)
        }
        #expect(BotMessage(kind: "forget_confirm", argsJSON: "{}") == nil)
    }

    @Test func newRejectionsHaveATextInEveryLanguage() {
        for rejection in [Rejection.imageExpired(keptSeconds: 86_400), .imageExpired(keptSeconds: 0), .notYourButton] {
            let english = Texts.text(.rejected(rejection), language: .english)
            let spanish = Texts.text(.rejected(rejection), language: .spanish)
            #expect(!english.isEmpty && !spanish.isEmpty && english != spanish, "\(rejection)")
        }
        #expect(Texts.text(.rejected(.imageExpired(keptSeconds: 86_400)), language: .english)
            == "⌛ That image has expired: its original file is kept for 24 hours after it is sent (see /privacy). 🎲 New seed and ➕ More steps still work.")
    }

    @Test func retentionSettingsReadSpansWithUnits() throws {
        let policy = try RetentionPolicy(environment: Environment([
            "LIENZO_KEEP_IMAGES_FOR": "36h", "LIENZO_KEEP_PROMPTS_FOR": "7d", "LIENZO_RETENTION_INTERVAL": "5",
            "LIENZO_RETENTION_BATCH": "50",
        ]))
        #expect(policy.keepImagesFor == .seconds(36 * 3600) && policy.keepPromptsFor == .seconds(7 * 86_400))
        #expect(policy.interval == .seconds(5) && policy.batchSize == 50)
        #expect(try RetentionPolicy(environment: Environment([:])) == RetentionPolicy())
        #expect(Environment.seconds(inDuration: "90") == 90 && Environment.seconds(inDuration: "15m") == 900)
        #expect(Environment.seconds(inDuration: "0") == 0 && Environment.seconds(inDuration: "1.5h") == 5400)
        for bad in ["", "h", "-1h", "24 hours", "3w", "1e30d"] {
            #expect(Environment.seconds(inDuration: bad) == nil, "\(bad)")
        }
        #expect(throws: ConfigurationError.self) { try RetentionPolicy(environment: Environment(["LIENZO_KEEP_PROMPTS_FOR": "forever"])) }
    }

    /// The pause of a loop that runs until shutdown may not be 0 (it would spin a core);
    /// the message names the setting and what it got.
    @Test func aLoopsPauseOfZeroIsRefused() throws {
        for name in ["LIENZO_RETENTION_INTERVAL", "DELIVER_RESCUE_INTERVAL", "DELIVER_QUEUE_METRICS_INTERVAL", "INGEST_WEBHOOK_CHECK_INTERVAL"] {
            let environment = Environment([name: "0"])
            let error = #expect(throws: ConfigurationError.self) { _ = try environment.interval(name, default: 15) }
            #expect(error?.description.contains(name) == true && error?.description.contains("'0'") == true, "\(String(describing: error))")
            #expect(try Environment([name: "0.5"]).interval(name, default: 15) == .milliseconds(500))
        }
        #expect(throws: ConfigurationError.self) { try RetentionPolicy(environment: Environment(["LIENZO_RETENTION_INTERVAL": "0"])) }
    }
}
