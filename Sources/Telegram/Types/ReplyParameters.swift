/// What a sent message replies to (Bot API `ReplyParameters`).
public struct ReplyParameters: Codable, Sendable, Equatable {
    public var messageID: Int
    /// Only when replying to a message in another chat.
    public var chatID: Int64?
    /// When true Telegram sends the message even if the replied-to one is gone, instead
    /// of failing with "message to be replied not found".
    public var allowSendingWithoutReply: Bool?

    public init(messageID: Int, chatID: Int64? = nil, allowSendingWithoutReply: Bool? = nil) {
        self.messageID = messageID
        self.chatID = chatID
        self.allowSendingWithoutReply = allowSendingWithoutReply
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case chatID = "chat_id"
        case allowSendingWithoutReply = "allow_sending_without_reply"
    }
}
