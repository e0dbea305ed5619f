extension TelegramClient {
    /// `sendPhoto`: uploads PNG (or JPEG) bytes as multipart/form-data, or resends a
    /// `file_id`. Telegram recompresses photos; use `sendDocument` for the lossless file.
    /// - Parameters:
    ///   - caption: 0–1024 characters; longer captions fail with 400.
    ///   - hasSpoiler: covers the photo with a spoiler animation (`has_spoiler`).
    @discardableResult
    public func sendPhoto(
        chatID: Int64, photo: InputFile, caption: String? = nil, parseMode: String? = nil, hasSpoiler: Bool? = nil,
        replyParameters: ReplyParameters? = nil, replyMarkup: InlineKeyboardMarkup? = nil
    ) async throws -> Message {
        var parts = try MultipartPart.mediaMessage(
            chatID: chatID, field: "photo", file: photo, caption: caption, parseMode: parseMode,
            replyParameters: replyParameters, replyMarkup: replyMarkup
        )
        // A form field, so a boolean travels as its JSON text.
        parts.appendText("has_spoiler", hasSpoiler.map { $0 ? "true" : "false" })
        return try await upload("sendPhoto", parts: parts)
    }
}

extension MultipartPart {
    /// The fields shared by `sendPhoto` and `sendDocument`. Objects go as JSON text, as
    /// the Bot API expects in form bodies.
    static func mediaMessage(
        chatID: Int64, field: String, file: InputFile, caption: String?, parseMode: String?,
        replyParameters: ReplyParameters?, replyMarkup: InlineKeyboardMarkup?
    ) throws -> [MultipartPart] {
        var parts: [MultipartPart] = [.text("chat_id", String(chatID))]
        parts.appendText("caption", caption)
        parts.appendText("parse_mode", parseMode)
        try parts.appendJSON("reply_parameters", replyParameters)
        try parts.appendJSON("reply_markup", replyMarkup)
        switch file {
        case .upload(let data, let fileName, let contentType):
            parts.append(.file(field, data: data, fileName: fileName, contentType: contentType))
        case .fileID(let id):
            parts.append(.text(field, id))
        }
        return parts
    }
}
