/// An inline keyboard under a message (Bot API `InlineKeyboardMarkup`).
public struct InlineKeyboardMarkup: Codable, Sendable, Equatable {
    /// Rows of buttons, top to bottom.
    public var inlineKeyboard: [[InlineKeyboardButton]]

    public init(inlineKeyboard: [[InlineKeyboardButton]]) {
        self.inlineKeyboard = inlineKeyboard
    }

    enum CodingKeys: String, CodingKey {
        case inlineKeyboard = "inline_keyboard"
    }
}

/// One inline button (Bot API `InlineKeyboardButton`): Lienzo uses callback buttons only,
/// plus `url` for links.
public struct InlineKeyboardButton: Codable, Sendable, Equatable {
    public var text: String
    /// At most 64 bytes (UTF-8), a Bot API limit; see `InlineKeyboardButton.maxCallbackDataBytes`.
    public var callbackData: String?
    public var url: String?

    public static let maxCallbackDataBytes = 64

    public init(text: String, callbackData: String) {
        self.text = text
        self.callbackData = callbackData
    }

    public init(text: String, url: String) {
        self.text = text
        self.url = url
    }

    enum CodingKeys: String, CodingKey {
        case text
        case callbackData = "callback_data"
        case url
    }
}
