/// A press on an inline button (Bot API `CallbackQuery`). Must be answered with
/// `answerCallbackQuery`, or the user's client shows a spinner for a while.
public struct CallbackQuery: Codable, Sendable, Equatable {
    public var id: String
    public var from: User
    /// The message carrying the button; absent for inline-mode messages, and an
    /// "inaccessible message" (`date` = 0) when it is too old.
    public var message: Message?
    public var inlineMessageID: String?
    public var chatInstance: String
    /// The button's `callback_data`.
    public var data: String?

    public init(id: String, from: User, message: Message?, chatInstance: String, data: String?) {
        self.id = id
        self.from = from
        self.message = message
        self.chatInstance = chatInstance
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case id, from, message
        case inlineMessageID = "inline_message_id"
        case chatInstance = "chat_instance"
        case data
    }
}
