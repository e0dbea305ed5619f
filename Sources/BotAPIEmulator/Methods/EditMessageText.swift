extension EmulatorState {
    /// `editMessageText` of a bot message in a chat (inline messages are not emulated).
    /// As on Telegram, omitting `reply_markup` removes the inline keyboard.
    func editMessageText(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        let chat = try chatRecord(parameters["chat_id"]?.int64Value)
        guard let messageID = parameters["message_id"]?.intValue else {
            throw .badRequest("message identifier is not specified")
        }
        guard var message = chat.messages[messageID] else { throw .badRequest("message to edit not found") }
        guard message.fromBot else { throw .badRequest("message can't be edited") }
        guard let oldText = message.text else { throw .badRequest("there is no text in the message to edit") }
        let text = try TextRules.validText(parameters["text"])
        let markup = try MessageOptions.inlineKeyboard(parameters["reply_markup"])
        guard text != oldText || markup != message.replyMarkup else {
            throw .badRequest(
                "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
            )
        }
        message.text = text
        message.replyMarkup = markup
        message.editDate = now
        chats[chat.chat.id]?.messages[messageID] = message
        if let index = sentIndex[MessageKey(chatID: chat.chat.id, messageID: messageID)] {
            sent[index].previousTexts.append(oldText)
            sent[index].text = text
            sent[index].replyMarkup = markup
            changed.append(sent[index])
        }
        return messageJSON(message)
    }
}
