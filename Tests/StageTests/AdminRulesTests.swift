@testable import Bot
import Runtime
import Testing

/// Admin commands and the access policy as pure rules: what parses, what routes to whom,
/// the settings' errors, and the outbox contract of the replies.
@Suite struct AdminRulesTests {
    let router: MessageRouter = {
        var limits = GenerationLimits()
        limits.model = "tiny"
        return MessageRouter(botUsername: "Lienzo_Bot", limits: limits)
    }()

    func route(_ text: String, admin: Bool = true, privateChat: Bool = true) -> Intent {
        router.route(text: text, isPrivateChat: privateChat, fromAdmin: admin, randomSeed: { 1 })
    }

    @Test func operatorsCommandsParse() {
        #expect(route("/stats") == .admin(.stats))
        #expect(route("/stats@lienzo_bot", privateChat: false) == .admin(.stats))
        #expect(route("/ban 42") == .admin(.ban(.user(42), reason: nil)))
        #expect(route("/ban 42 spam and  more") == .admin(.ban(.user(42), reason: "spam and more")))
        #expect(route("/ban flooding the group") == .admin(.ban(.repliedTo, reason: "flooding the group")))
        #expect(route("/ban") == .admin(.ban(.repliedTo, reason: nil)))
        #expect(route("/unban 42") == .admin(.unban(.user(42))))
        #expect(route("/unban") == .admin(.unban(.repliedTo)))
        #expect(route("/quota 42 100 5") == .admin(.quota(.user(42), dailyLimit: 100, maxQueued: 5)))
        #expect(route("/quota 42 default -") == .admin(.quota(.user(42), dailyLimit: nil, maxQueued: nil)))
        #expect(route("/quota 10 2") == .admin(.quota(.repliedTo, dailyLimit: 10, maxQueued: 2)))
        // A bare /quota is everyone's own.
        #expect(route("/quota") == .quota)
        #expect(route("/ban@other_bot 42", privateChat: false) == .ignore(reason: "other_bot"))
    }

    @Test func wrongArgumentsGetTheUsageNeverACrash() {
        let usage = { (usage: AdminUsage) in Intent.reply(.adminUsage(usage), outcome: "admin_usage:" + usage.rawValue) }
        for text in ["/quota 42", "/quota 42 1 2 3", "/quota 42 -1 2", "/quota 42 1000001 2", "/quota 42 many 2", "/quota x y z",
                     "/quota 99999999999999999999 1 1"] {
            #expect(route(text) == usage(.quota), "\(text)")
        }
        #expect(route("/unban 42 now") == usage(.unban))
        #expect(route("/unban -5") == usage(.unban))
        let long = String(repeating: "x", count: 500)
        #expect(route("/ban 42 " + long) == .admin(.ban(.user(42), reason: String(repeating: "x", count: AdminCommand.maxReasonLength))))
    }

    @Test func toOthersAdminCommandsAreUnknown() {
        for (text, name) in [("/stats", "/stats"), ("/ban 42", "/ban"), ("/unban 42", "/unban")] {
            #expect(route(text, admin: false) == route("/frobnicate", admin: false).replacingCommand(with: name))
            #expect(route(text, admin: false) == .reply(.unknownCommand(name), outcome: "unknown_command"))
        }
        #expect(route("/quota 42 1 1", admin: false) == .quota)
        #expect(route("/stats", admin: false, privateChat: false) == .ignore(reason: "unknown_group_command"))
    }

    @Test func settings() throws {
        let policy = try AccessPolicy(environment: Environment(["LIENZO_ADMINS": " 123, 456 ,", "LIENZO_ACCESS": "Allowlist"]))
        #expect(policy == AccessPolicy(admins: [123, 456], mode: .allowlist))
        #expect(try AccessPolicy(environment: Environment([:])) == AccessPolicy())
        for (key, value, message) in [
            ("LIENZO_ADMINS", "123,@ana", "LIENZO_ADMINS must list Telegram user ids (positive numbers) separated by commas, got '@ana'"),
            ("LIENZO_ADMINS", "-5", "LIENZO_ADMINS must list Telegram user ids (positive numbers) separated by commas, got '-5'"),
            ("LIENZO_ACCESS", "closed", "LIENZO_ACCESS must be open or allowlist, got 'closed'"),
        ] {
            #expect(throws: ConfigurationError.self) { try AccessPolicy(environment: Environment([key: value])) }
            do { _ = try AccessPolicy(environment: Environment([key: value])) } catch { #expect("\(error)" == message) }
        }
    }

    @Test func repliesTravelThroughTheOutboxAndReadInBothLanguages() {
        let stats = StatsLine(queued: 3, rendering: 1, rendered: 0, delivering: 2, oldestQueuedSeconds: 150,
                              deliveredLastHour: 1234, deliveredLastDay: 5678, usersToday: 1, failedToday: 2)
        let messages: [BotMessage] = [
            .stats(stats), .adminDone(AdminLine(action: .ban, userID: 7, cancelled: 1)),
            .adminDone(AdminLine(action: .quota, userID: 7, dailyLimit: 10)), .adminUsage(.quota), .notAllowed,
        ]
        for message in messages {
            #expect(BotMessage(kind: message.kind, argsJSON: message.argsJSON) == message)
        }
        #expect(Texts.text(.stats(stats), language: .english) == """
            📈 Queue: 3 waiting (the oldest for 3 min), 1 rendering, 0 rendered, 2 sending.
            Delivered: 1,234 in the last hour, 5,678 in the last 24 hours.
            Today (UTC): 1 user, 2 failed.
            """)
        #expect(Texts.text(.stats(stats), language: .spanish) == """
            📈 Cola: 3 esperando (la más antigua desde hace 3 min), 1 dibujándose, 0 dibujadas, 2 enviándose.
            Entregadas: 1.234 en la última hora, 5.678 en las últimas 24 horas.
            Hoy (UTC): 1 usuario, 2 fallidas.
            """)
        #expect(Texts.text(messages[1], language: .english) == "🔨 User 7 is banned. Cancelled 1 request in progress.")
        #expect(Texts.text(messages[1], language: .spanish) == "🔨 El usuario 7 queda bloqueado. Cancelé 1 pedido en curso.")
        #expect(Texts.text(messages[2], language: .english) == "📏 User 7: 10 images a day, the default waiting limit.")
        #expect(Texts.text(messages[2], language: .spanish) == "📏 El usuario 7: 10 imágenes al día, el límite de espera predeterminado.")
        #expect(BotMessage(kind: "admin_done", argsJSON: "{}") == nil)
    }
}

private extension Intent {
    /// An unknown command's reply, naming another command.
    func replacingCommand(with name: String) -> Intent {
        guard case .reply(.unknownCommand, let outcome) = self else { return self }
        return .reply(.unknownCommand(name), outcome: outcome)
    }
}
