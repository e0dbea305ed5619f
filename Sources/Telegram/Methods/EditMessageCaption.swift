extension TelegramClient {
    /// `editMessageCaption` of a photo or document message the bot sent in a chat; nil
    /// `caption` removes it, nil `replyMarkup` removes the keyboard. Fails with 400 "there
    /// is no caption in the message to edit" on a text message, and "message is not
    /// modified" when caption and markup are unchanged.
    @discardableResult
    public func editMessageCaption(
        chatID: Int64, messageID: Int, caption: String? = nil, parseMode: String? = nil,
        replyMarkup: InlineKeyboardMarkup? = nil
    ) async throws -> Message {
        let parameters = EditMessageCaptionParameters(
            chatID: chatID, messageID: messageID, caption: caption, parseMode: parseMode, replyMarkup: replyMarkup
        )
        return try await call("editMessageCaption", parameters: parameters)
    }
}

struct EditMessageCaptionParameters: Encodable {
    var chatID: Int64
    var messageID: Int
    var caption: String?
    var parseMode: String?
    var replyMarkup: InlineKeyboardMarkup?

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case messageID = "message_id"
        case caption
        case parseMode = "parse_mode"
        case replyMarkup = "reply_markup"
    }
}
