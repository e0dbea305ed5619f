extension TelegramClient {
    /// `sendDocument`: sends a file as is (the lossless PNG on request).
    @discardableResult
    public func sendDocument(
        chatID: Int64, document: InputFile, caption: String? = nil, parseMode: String? = nil,
        replyParameters: ReplyParameters? = nil, replyMarkup: InlineKeyboardMarkup? = nil
    ) async throws -> Message {
        let parts = try MultipartPart.mediaMessage(
            chatID: chatID, field: "document", file: document, caption: caption, parseMode: parseMode,
            replyParameters: replyParameters, replyMarkup: replyMarkup
        )
        return try await upload("sendDocument", parts: parts)
    }
}
