extension EmulatorState {
    /// `editMessageCaption` of a bot photo or document. As on Telegram, omitting
    /// `caption` removes the caption and omitting `reply_markup` removes the keyboard.
    /// Limitation: `caption_entities` and `show_caption_above_media` are ignored.
    func editMessageCaption(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        var message = try messageToEdit(parameters)
        guard message.photo != nil || message.document != nil else {
            throw .badRequest("there is no caption in the message to edit")
        }
        let caption = try TextRules.validCaption(parameters["caption"])
        let markup = try MessageOptions.inlineKeyboard(parameters["reply_markup"])
        guard caption != message.caption || markup != message.replyMarkup else { throw .messageNotModified }
        let oldCaption = message.caption
        message.caption = caption
        message.replyMarkup = markup
        let parseMode = parameters["parse_mode"]?.stringValue
        return storeEdit(message) { record in
            record.previousCaptions.append(oldCaption)
            record.caption = caption
            record.parseMode = parseMode
            record.replyMarkup = markup
        }
    }
}
