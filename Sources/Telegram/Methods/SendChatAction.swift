extension TelegramClient {
    /// `sendChatAction`: shows "typing…" or "sending photo…" for about 5 seconds.
    @discardableResult
    public func sendChatAction(chatID: Int64, action: ChatAction) async throws -> Bool {
        try await call("sendChatAction", parameters: SendChatActionParameters(chatID: chatID, action: action))
    }
}

struct SendChatActionParameters: Encodable {
    var chatID: Int64
    var action: ChatAction

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case action
    }
}
