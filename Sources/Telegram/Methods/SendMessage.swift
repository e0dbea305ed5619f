extension TelegramClient {
    /// `sendMessage`: a text message (1–4096 characters after entity parsing).
    @discardableResult
    public func sendMessage(
        chatID: Int64, text: String, parseMode: String? = nil, replyParameters: ReplyParameters? = nil,
        replyMarkup: InlineKeyboardMarkup? = nil, disableNotification: Bool? = nil
    ) async throws -> Message {
        let parameters = SendMessageParameters(
            chatID: chatID, text: text, parseMode: parseMode, replyParameters: replyParameters,
            replyMarkup: replyMarkup, disableNotification: disableNotification
        )
        return try await call("sendMessage", parameters: parameters)
    }
}

struct SendMessageParameters: Encodable {
    var chatID: Int64
    var text: String
    var parseMode: String?
    var replyParameters: ReplyParameters?
    var replyMarkup: InlineKeyboardMarkup?
    var disableNotification: Bool?

    enum CodingKeys: String, CodingKey {
        case chatID = "chat_id"
        case text
        case parseMode = "parse_mode"
        case replyParameters = "reply_parameters"
        case replyMarkup = "reply_markup"
        case disableNotification = "disable_notification"
    }
}
