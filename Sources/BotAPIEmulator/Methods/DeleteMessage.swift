extension EmulatorState {
    /// `deleteMessage`: the bot's own messages anywhere, and users' messages in private
    /// chats only (Telegram's rule for a bot that is not a group admin; admins are not
    /// emulated). The record stays in `sent`, marked `deleted`. Limitation: the 48-hour
    /// limit is not enforced.
    func deleteMessage(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        let chat = try chatRecord(parameters["chat_id"]?.int64Value)
        guard let messageID = parameters["message_id"]?.intValue else {
            throw .badRequest("message identifier is not specified")
        }
        guard let message = chat.messages[messageID] else { throw .badRequest("message to delete not found") }
        guard message.fromBot || chat.chat.type == "private" else { throw .badRequest("message can't be deleted") }
        removeMessage(messageID, inChat: chat.chat.id)
        return true
    }

    /// Takes a message out of its chat and marks the bot's record of it deleted.
    func removeMessage(_ messageID: Int, inChat chatID: Int64) {
        chats[chatID]?.messages.removeValue(forKey: messageID)
        if let index = sentIndex[MessageKey(chatID: chatID, messageID: messageID)] {
            sent[index].deleted = true
            changed.append(sent[index])  // the transcript and the playground show deletions too
        }
    }
}
