extension EmulatorState {
    /// `editMessageMedia` of a bot photo or document, to a new photo. As on Telegram, the
    /// new media's caption replaces the old one (none given removes it) and omitting
    /// `reply_markup` removes the keyboard.
    ///
    /// A text message is refused with "there is no media in the message to edit", the
    /// answer bots observe from Telegram, although the Bot API page now also speaks of
    /// adding media to text messages.
    func editMessageMedia(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        let media = try InputMedia(parameters, state: self)
        let markup = try MessageOptions.inlineKeyboard(parameters["reply_markup"])
        var message = try messageToEdit(parameters)
        guard message.photo != nil || message.document != nil else {
            throw .badRequest("there is no media in the message to edit")
        }
        let shownFileIDs = (message.photo?.arrayValue ?? []).compactMap { $0["file_id"]?.stringValue }
        // An upload is always a new file; only the photo's own file_id can leave it unchanged.
        let samePhoto = shownFileIDs.contains(media.reference)
        let unchanged =
            samePhoto && media.caption == message.caption && markup == message.replyMarkup
            && media.hasSpoiler == message.hasMediaSpoiler
        guard !unchanged else { throw .messageNotModified }
        if !samePhoto {
            guard let size = ImageSize.of(media.file.data) else { throw .badRequest("IMAGE_PROCESS_FAILED") }
            message.photo = photoSizes(for: media.file, size: size)
        }
        let oldCaption = message.caption
        message.document = nil
        message.caption = media.caption
        message.entities = []
        message.hasMediaSpoiler = media.hasSpoiler
        message.replyMarkup = markup
        return storeEdit(message) { record in
            record.previousCaptions.append(oldCaption)
            if let oldFile = record.file { record.previousFiles.append(oldFile) }
            record.file = media.file.data
            record.fileName = media.file.fileName
            record.contentType = media.file.contentType
            record.caption = media.caption
            record.parseMode = media.parseMode
            record.hasMediaSpoiler = media.hasSpoiler
            record.replyMarkup = markup
        }
    }
}
