extension EmulatorState {
    /// `editMessageText` of a bot message in a chat. As on Telegram, omitting
    /// `reply_markup` removes the inline keyboard.
    func editMessageText(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        var message = try messageToEdit(parameters)
        guard let oldText = message.text else { throw .badRequest("there is no text in the message to edit") }
        let text = try TextRules.validText(parameters["text"])
        let markup = try MessageOptions.inlineKeyboard(parameters["reply_markup"])
        guard text != oldText || markup != message.replyMarkup else { throw .messageNotModified }
        message.text = text
        message.replyMarkup = markup
        return storeEdit(message) { record in
            record.previousTexts.append(oldText)
            record.text = text
            record.replyMarkup = markup
        }
    }
}
