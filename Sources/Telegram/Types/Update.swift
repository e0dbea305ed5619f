/// One incoming update (Bot API `Update`).
///
/// Decoding never fails on content: only `update_id` is required. A kind Lienzo does not
/// handle (poll, chat_member, …), or a known kind whose payload does not decode, leaves
/// every optional nil and `kind` `.unknown`, so the caller still moves the offset past it.
public struct Update: Codable, Sendable, Equatable {
    public var updateID: Int
    public var message: Message?
    public var editedMessage: Message?
    public var callbackQuery: CallbackQuery?

    public init(updateID: Int, message: Message? = nil, editedMessage: Message? = nil, callbackQuery: CallbackQuery? = nil) {
        self.updateID = updateID
        self.message = message
        self.editedMessage = editedMessage
        self.callbackQuery = callbackQuery
    }

    public enum Kind: Sendable, Equatable {
        case message(Message)
        case editedMessage(Message)
        case callbackQuery(CallbackQuery)
        /// Anything else; safe to confirm and skip.
        case unknown
    }

    public var kind: Kind {
        if let message { return .message(message) }
        if let editedMessage { return .editedMessage(editedMessage) }
        if let callbackQuery { return .callbackQuery(callbackQuery) }
        return .unknown
    }

    enum CodingKeys: String, CodingKey {
        case updateID = "update_id"
        case message
        case editedMessage = "edited_message"
        case callbackQuery = "callback_query"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        updateID = try container.decode(Int.self, forKey: .updateID)
        // `try?` on purpose: one malformed payload must not wedge the update queue.
        message = try? container.decodeIfPresent(Message.self, forKey: .message)
        editedMessage = try? container.decodeIfPresent(Message.self, forKey: .editedMessage)
        callbackQuery = try? container.decodeIfPresent(CallbackQuery.self, forKey: .callbackQuery)
    }
}
