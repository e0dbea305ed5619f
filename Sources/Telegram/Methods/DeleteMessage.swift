extension TelegramClient {
    /// `deleteMessage`: removes a message from a chat. The bot may delete its own messages
    /// (and, in private chats, the user's) for 48 hours; a message already gone fails with
    /// 400 "message to delete not found" (`TelegramError.isMessageToDeleteGone`).
    @discardableResult
    public func deleteMessage(chatID: Int64, messageID: Int) async throws -> Bool {
        try await call("deleteMessage", parameters: DeleteMessageParameters(chatID: chatID, messageID: messageID))
    }
}

struct DeleteMessageParameters: Encodable {
    var chatID: Int64
    var messageID: Int

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case messageID = "message_id"
    }
}
