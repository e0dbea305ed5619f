extension TelegramClient {
    /// `setMyCommands`: the command menu, for users whose client language is
    /// `languageCode` (a two-letter ISO 639-1 code), or for everyone else when nil.
    @discardableResult
    public func setMyCommands(_ commands: [BotCommand], languageCode: String? = nil) async throws -> Bool {
        try await call("setMyCommands", parameters: SetMyCommandsParameters(commands: commands, languageCode: languageCode))
    }
}

struct SetMyCommandsParameters: Encodable {
    var commands: [BotCommand]
    var languageCode: String?

    enum CodingKeys: String, CodingKey {
        case commands
        case languageCode = "language_code"
    }
}
