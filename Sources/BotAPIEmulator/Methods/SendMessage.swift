extension EmulatorState {
    /// `sendMessage`.
    func sendMessage(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        let chat = try chatRecord(parameters["chat_id"]?.int64Value)
        let text = try TextRules.validText(parameters["text"])
        let options = try MessageOptions(parameters, chat: chat)
        let messageID = allocateMessageID(in: chat.chat.id)
        let message = StoredMessage(
            messageID: messageID, chatID: chat.chat.id, from: bot.json, fromBot: true, date: now, text: text,
            replyToMessageID: options.replyToMessageID, replyMarkup: options.replyMarkup
        )
        let record = SentMessage(
            method: "sendMessage", chatID: chat.chat.id, messageID: messageID, text: text, previousTexts: [],
            parseMode: options.parseMode, replyToMessageID: options.replyToMessageID, replyMarkup: options.replyMarkup
        )
        return storeBotMessage(message, record: record)
    }

    func allocateMessageID(in chatID: Int64) -> Int {
        chats[chatID]?.allocateMessageID() ?? 0
    }
}
