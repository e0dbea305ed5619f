import Schema

/// What Ingest should do with one incoming message: a pure decision from its text, the
/// chat kind and the configuration, tested without a database or a network.
public enum Intent: Sendable, Equatable {
    /// Nothing to do (a group message that is not for the bot, a service message…).
    case ignore(reason: String)
    /// Answer with this message and do nothing else.
    case reply(BotMessage, outcome: String)
    /// Enqueue this request; `promptCut` when CLIP will probably not read all of it.
    case generate(RenderRequest, promptCut: Bool)
    case status
    case cancel
    case quota
    /// /styles: list the model's LoRAs.
    case styles
    /// /privacy: what is kept and for how long (the windows come from the database).
    case privacy
    /// /forget: ask for confirmation before erasing the user's data.
    case forget
    /// An operator's command (only ever routed for `fromAdmin`).
    case admin(AdminCommand)
}

/// Routes messages: commands everywhere (`/cmd@Bot` in groups), plain text as a prompt in
/// private chats only; in groups only commands are read, and only bare ones or those
/// addressed to this bot.
public struct MessageRouter: Sendable {
    public var botUsername: String
    public var limits: GenerationLimits
    public var tokenCounter: any PromptTokenCounter
    /// The tokens CLIP reads besides BOS and EOS.
    public var promptTokenLimit = 75

    public init(botUsername: String, limits: GenerationLimits, tokenCounter: any PromptTokenCounter = EstimatedCLIPTokenCounter()) {
        self.botUsername = botUsername.lowercased()
        self.limits = limits
        self.tokenCounter = tokenCounter
    }

    /// `fromAdmin`: the sender is one of `AccessPolicy.admins`. For anyone else an admin
    /// command is routed as any unknown command is, so nobody learns they exist.
    public func route(text rawText: String?, isPrivateChat: Bool, fromAdmin: Bool = false, randomSeed: () -> Int64) -> Intent {
        guard let rawText else { return .ignore(reason: "no_text") }
        let text = PromptSanitizer.clean(rawText).text
        guard let command = CommandText(text) else {
            guard isPrivateChat else { return .ignore(reason: "group_text") }
            return generate(text, randomSeed: randomSeed)
        }
        if let addressee = command.addressee, addressee != botUsername {
            return .ignore(reason: "other_bot")
        }
        if fromAdmin, let admin = AdminCommand.parse(command) {
            switch admin {
            case .success(let admin): return .admin(admin)
            case .failure(let usage): return .reply(.adminUsage(usage), outcome: "admin_usage:" + usage.rawValue)
            }
        }
        switch command.name {
        case "start", "help": return .reply(.help(ModelLine(limits)), outcome: "help")
        case "generate", "imagine": return generate(command.arguments, randomSeed: randomSeed)
        case "status": return .status
        case "cancel": return .cancel
        case "quota": return .quota
        case "styles", "estilos": return .styles
        case "privacy", "privacidad": return .privacy
        case "forget", "olvidar": return .forget
        default:
            // In a group a bare unknown command is probably another bot's.
            guard isPrivateChat || command.addressee != nil else { return .ignore(reason: "unknown_group_command") }
            return .reply(.unknownCommand(("/" + command.name).echoed()), outcome: "unknown_command")
        }
    }

    public func generate(_ text: String, randomSeed: () -> Int64) -> Intent {
        let validated = GenerateParser.parse(text).flatMap { limits.validate($0, randomSeed: randomSeed) }
        switch validated {
        case .success(let request):
            // The estimate errs high: a prompt it finds short needs no exact count.
            let clipText = GenerationLimits.clipText(of: request.prompt)
            let cut = EstimatedCLIPTokenCounter().tokenCount(clipText) > promptTokenLimit
                && tokenCounter.tokenCount(clipText) > promptTokenLimit
            return .generate(request, promptCut: cut)
        case .failure(let rejection):
            return .reply(.rejected(rejection), outcome: "rejected:" + rejection.code)
        }
    }
}
