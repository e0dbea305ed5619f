/// `reply_parameters` (or the older `reply_to_message_id`), `reply_markup` and
/// `parse_mode`, validated as Telegram does.
struct MessageOptions {
    var replyToMessageID: Int?
    var replyMarkup: JSONValue?
    var parseMode: String?

    init(_ parameters: RequestParameters, chat: ChatRecord) throws(APIError) {
        parseMode = parameters["parse_mode"]?.stringValue
        replyMarkup = try Self.inlineKeyboard(parameters["reply_markup"])
        var target: Int?
        var allowWithout = parameters["allow_sending_without_reply"]?.boolValue ?? false
        if let reply = parameters["reply_parameters"] {
            guard let object = reply.structured, let messageID = object["message_id"]?.intValue else {
                throw .badRequest("can't parse reply parameters JSON object")
            }
            target = messageID
            allowWithout = object["allow_sending_without_reply"]?.boolValue ?? false
        } else if let messageID = parameters["reply_to_message_id"]?.intValue {
            target = messageID
        }
        if let target {
            if chat.messages[target] != nil {
                replyToMessageID = target
            } else if !allowWithout {
                throw .badRequest("message to be replied not found")
            }
        }
    }

    /// Only inline keyboards are emulated; each button needs a text and one action, and
    /// callback_data is 1–64 bytes.
    static func inlineKeyboard(_ value: JSONValue?) throws(APIError) -> JSONValue? {
        guard let value else { return nil }
        guard let markup = value.structured, case .object = markup, let rows = markup["inline_keyboard"]?.arrayValue else {
            throw .badRequest("can't parse inline keyboard markup JSON object")
        }
        for row in rows {
            guard let buttons = row.arrayValue else { throw .badRequest("can't parse inline keyboard button row") }
            for button in buttons {
                guard let text = button["text"]?.stringValue, !text.isEmpty else {
                    throw .badRequest("text buttons are unallowed in the inline keyboard")
                }
                if let data = button["callback_data"]?.stringValue {
                    guard (1...64).contains(data.utf8.count) else { throw .badRequest("BUTTON_DATA_INVALID") }
                } else if button["url"]?.stringValue == nil {
                    throw .badRequest("can't find field \"callback_data\"")
                }
            }
        }
        return markup
    }
}

/// Text checks shared by sendMessage and editMessageText. Limits in UTF-16 units, a
/// close stand-in for Telegram's "characters after entity parsing".
enum TextRules {
    static func validText(_ value: JSONValue?) throws(APIError) -> String {
        let text = value?.stringValue ?? value?.int64Value.map(String.init) ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .badRequest("message text is empty")
        }
        guard text.utf16.count <= 4096 else { throw .badRequest("message is too long") }
        return text
    }

    static func validCaption(_ value: JSONValue?) throws(APIError) -> String? {
        guard let caption = value?.stringValue, !caption.isEmpty else { return nil }
        guard caption.utf16.count <= 1024 else { throw .badRequest("message caption is too long") }
        return caption
    }
}
