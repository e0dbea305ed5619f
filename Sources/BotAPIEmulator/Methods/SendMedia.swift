import Foundation

extension EmulatorState {
    /// `sendPhoto` (`field` "photo") and `sendDocument` (`field` "document"): a multipart
    /// upload, or the `file_id` of a file sent before.
    func sendMedia(_ parameters: RequestParameters, field: String) throws(APIError) -> JSONValue {
        let chat = try chatRecord(parameters["chat_id"]?.int64Value)
        let caption = try TextRules.validCaption(parameters["caption"])
        let options = try MessageOptions(parameters, chat: chat)
        let file = try inputFile(parameters, field: field)
        var message = StoredMessage(
            messageID: 0, chatID: chat.chat.id, from: bot.json, fromBot: true, date: now, caption: caption,
            replyToMessageID: options.replyToMessageID, replyMarkup: options.replyMarkup
        )
        let hasSpoiler = field == "photo" && parameters["has_spoiler"]?.boolValue == true
        if field == "photo" {
            guard let size = ImageSize.of(file.data) else { throw .badRequest("IMAGE_PROCESS_FAILED") }
            message.photo = photoSizes(for: file, size: size)
            message.hasMediaSpoiler = hasSpoiler
        } else {
            let ids = newFileID(kind: "document")
            files[ids.id] = file
            var document: [String: JSONValue] = [
                "file_id": .string(ids.id), "file_unique_id": .string(ids.uniqueID),
                "file_size": .int(Int64(file.data.count)),
            ]
            if let name = file.fileName { document["file_name"] = .string(name) }
            if let type = file.contentType { document["mime_type"] = .string(type) }
            message.document = .object(document)
        }
        message.messageID = allocateMessageID(in: chat.chat.id)
        let record = SentMessage(
            method: field == "photo" ? "sendPhoto" : "sendDocument", chatID: chat.chat.id,
            messageID: message.messageID, previousTexts: [], caption: caption, parseMode: options.parseMode,
            file: file.data, fileName: file.fileName, contentType: file.contentType, hasMediaSpoiler: hasSpoiler,
            replyToMessageID: options.replyToMessageID, replyMarkup: options.replyMarkup
        )
        return storeBotMessage(message, record: record)
    }

    private func inputFile(_ parameters: RequestParameters, field: String) throws(APIError) -> UploadedFile {
        if let upload = parameters.files[field] { return upload }
        if let reference = parameters[field]?.stringValue {
            guard let known = referencedFile(reference, in: parameters) else {
                throw .badRequest("wrong file identifier/HTTP URL specified")
            }
            return known
        }
        throw .badRequest("there is no \(field) in the request")
    }

    /// The file a reference names: "attach://name" points at another multipart part,
    /// anything else is a `file_id` sent before. Nil when it names nothing.
    func referencedFile(_ reference: String, in parameters: RequestParameters) -> UploadedFile? {
        if reference.hasPrefix("attach://") { return parameters.files[String(reference.dropFirst(9))] }
        return files[reference]
    }

    /// Telegram lists a photo's sizes smallest first: a thumbnail when the image is
    /// larger than 320 px, then the image itself.
    func photoSizes(for file: UploadedFile, size: (width: Int, height: Int)) -> JSONValue {
        var sizes: [JSONValue] = []
        let longest = max(size.width, size.height)
        if longest > 320 {
            let ids = newFileID(kind: "photo")
            let scale = 320.0 / Double(longest)
            sizes.append([
                "file_id": .string(ids.id), "file_unique_id": .string(ids.uniqueID),
                "width": .int(Int64((Double(size.width) * scale).rounded())),
                "height": .int(Int64((Double(size.height) * scale).rounded())),
                "file_size": .int(Int64(file.data.count / 8)),
            ])
        }
        let ids = newFileID(kind: "photo")
        files[ids.id] = file
        sizes.append([
            "file_id": .string(ids.id), "file_unique_id": .string(ids.uniqueID),
            "width": .int(Int64(size.width)), "height": .int(Int64(size.height)),
            "file_size": .int(Int64(file.data.count)),
        ])
        return .array(sizes)
    }
}

/// Image dimensions from a PNG IHDR or a JPEG SOF marker; nil for anything else, which
/// Telegram rejects as IMAGE_PROCESS_FAILED.
enum ImageSize {
    static func of(_ data: Data) -> (width: Int, height: Int)? {
        let bytes = [UInt8](data)
        if bytes.count >= 24, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            let width = bigEndian(bytes[16..<20])
            let height = bigEndian(bytes[20..<24])
            return width > 0 && height > 0 ? (width, height) : nil
        }
        if bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 { return jpegSize(bytes) }
        return nil
    }

    private static func jpegSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        var index = 2
        while index + 9 < bytes.count {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            let length = bigEndian(bytes[(index + 2)..<(index + 4)])
            // SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                let height = bigEndian(bytes[(index + 5)..<(index + 7)])
                let width = bigEndian(bytes[(index + 7)..<(index + 9)])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            index += 2 + length
        }
        return nil
    }

    private static func bigEndian(_ slice: ArraySlice<UInt8>) -> Int {
        slice.reduce(0) { $0 << 8 | Int($1) }
    }
}
