extension TelegramClient {
    /// `editMessageText` of a message the bot sent in a chat. Fails with 400 "message is
    /// not modified" when text and markup are unchanged (`TelegramError.isMessageNotModified`).
    @discardableResult
    public func editMessageText(
        chatID: Int64, messageID: Int, text: String, parseMode: String? = nil,
        replyMarkup: InlineKeyboardMarkup? = nil
    ) async throws -> Message {
        let parameters = EditMessageTextParameters(
            chatID: chatID, messageID: messageID, text: text, parseMode: parseMode, replyMarkup: replyMarkup
        )
        return try await call("editMessageText", parameters: parameters)
    }
}

struct EditMessageTextParameters: Encodable {
    var chatID: Int64
    var messageID: Int
    var text: String
    var parseMode: String?
    var replyMarkup: InlineKeyboardMarkup?

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case messageID = "message_id"
        case text
        case parseMode = "parse_mode"
        case replyMarkup = "reply_markup"
    }
}
