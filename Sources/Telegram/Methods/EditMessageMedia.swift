extension TelegramClient {
    /// `editMessageMedia` of a photo or document message the bot sent in a chat: the new
    /// photo, its caption (nil removes it) and the keyboard (nil removes it). Sent as
    /// multipart/form-data, `media` as JSON text, an upload in the part it names.
    /// Fails with 400 "there is no media in the message to edit" on a text message, and
    /// "message is not modified" when the same `file_id`, caption and markup are sent again.
    @discardableResult
    public func editMessageMedia(
        chatID: Int64, messageID: Int, media: InputMediaPhoto, replyMarkup: InlineKeyboardMarkup? = nil
    ) async throws -> Message {
        let attachName = "photo"
        var parts: [MultipartPart] = [.text("chat_id", String(chatID)), .text("message_id", String(messageID))]
        try parts.appendJSON("media", media.json(attachName: attachName))
        try parts.appendJSON("reply_markup", replyMarkup)
        if case .upload(let data, let fileName, let contentType) = media.media {
            parts.append(.file(attachName, data: data, fileName: fileName, contentType: contentType))
        }
        return try await upload("editMessageMedia", parts: parts)
    }
}
