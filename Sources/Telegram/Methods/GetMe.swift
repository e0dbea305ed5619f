extension TelegramClient {
    /// `getMe`: the bot's own user; a cheap check that the token works.
    public func getMe() async throws -> User {
        try await call("getMe", parameters: NoParameters())
    }
}

/// An empty JSON object, for methods without parameters.
struct NoParameters: Encodable {}
