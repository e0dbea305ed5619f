/// What `editMessageText`, `editMessageCaption` and `editMessageMedia` share: finding the
/// message with Telegram's refusals, and storing the edited version with its record.
extension EmulatorState {
    /// The bot's message named by `chat_id` and `message_id` (inline messages are not
    /// emulated). A deleted message is "not found", as on Telegram.
    func messageToEdit(_ parameters: RequestParameters) throws(APIError) -> StoredMessage {
        let chat = try chatRecord(parameters["chat_id"]?.int64Value)
        guard let messageID = parameters["message_id"]?.intValue else {
            throw .badRequest("message identifier is not specified")
        }
        guard let message = chat.messages[messageID] else { throw .badRequest("message to edit not found") }
        guard message.fromBot else { throw .badRequest("message can't be edited") }
        return message
    }

    /// Stores `message` (already edited, `edit_date` set here), applies `change` to its
    /// `SentMessage` and hands that to the observer. Returns the reply JSON.
    func storeEdit(_ message: StoredMessage, record change: (inout SentMessage) -> Void) -> JSONValue {
        var message = message
        message.editDate = now
        chats[message.chatID]?.messages[message.messageID] = message
        if let index = sentIndex[MessageKey(chatID: message.chatID, messageID: message.messageID)] {
            change(&sent[index])
            changed.append(sent[index])
        }
        return messageJSON(message)
    }
}

extension APIError {
    /// Telegram's answer to an edit that changes nothing, whichever edit method it was.
    static let messageNotModified = APIError.badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
    )
}
