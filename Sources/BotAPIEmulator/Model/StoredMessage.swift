import Foundation

/// A message in an emulated chat, from a user or from the bot.
struct StoredMessage {
    var messageID: Int
    var chatID: Int64
    var from: JSONValue
    var fromBot: Bool
    var date: Int
    var text: String?
    var entities: [JSONValue] = []
    var caption: String?
    var photo: JSONValue?
    var document: JSONValue?
    /// `has_spoiler` of the photo that is shown now.
    var hasMediaSpoiler = false
    var replyToMessageID: Int?
    var replyMarkup: JSONValue?
    var editDate: Int?

    /// The Bot API `Message`; `replyTo` is the replied-to message, nested one level as
    /// Telegram does.
    func json(chat: EmulatedChat, replyTo: StoredMessage?) -> JSONValue {
        var fields: [String: JSONValue] = [
            "message_id": .int(Int64(messageID)), "from": from, "chat": chat.json, "date": .int(Int64(date)),
        ]
        if let text { fields["text"] = .string(text) }
        if !entities.isEmpty { fields[text != nil ? "entities" : "caption_entities"] = .array(entities) }
        if let caption { fields["caption"] = .string(caption) }
        if let photo { fields["photo"] = photo }
        if let document { fields["document"] = document }
        // Telegram sends the field only when true.
        if hasMediaSpoiler { fields["has_media_spoiler"] = true }
        if let replyMarkup { fields["reply_markup"] = replyMarkup }
        if let editDate { fields["edit_date"] = .int(Int64(editDate)) }
        if let replyTo { fields["reply_to_message"] = replyTo.json(chat: chat, replyTo: nil) }
        return .object(fields)
    }
}

/// One chat's history and numbering.
struct ChatRecord {
    var chat: EmulatedChat
    var nextMessageID = 1
    var messages: [Int: StoredMessage] = [:]
    /// Set by `blockBot`: sends answer 403.
    var blockedDescription: String?

    mutating func allocateMessageID() -> Int {
        defer { nextMessageID += 1 }
        return nextMessageID
    }
}

/// A queued update.
struct QueuedUpdate {
    var updateID: Int
    /// The update's field name: `message`, `callback_query`, or anything injected raw.
    var kind: String
    var json: JSONValue
}

/// `bot_command` entities, as Telegram adds them to user text: `/word` or `/word@bot`
/// at the start or after whitespace. Offsets in UTF-16 code units.
enum CommandEntities {
    static func find(in text: String) -> [JSONValue] {
        var entities: [JSONValue] = []
        let units = Array(text.utf16)
        var index = 0
        while index < units.count {
            let atWordStart = index == 0 || isSpace(units[index - 1])
            if atWordStart && units[index] == UInt16(UInt8(ascii: "/")) {
                var end = index + 1
                while end < units.count, isCommandUnit(units[end]) { end += 1 }
                if end > index + 1, end == units.count || isSpace(units[end]) {
                    entities.append(["type": "bot_command", "offset": .int(Int64(index)), "length": .int(Int64(end - index))])
                }
                index = end
            } else {
                index += 1
            }
        }
        return entities
    }

    private static func isSpace(_ unit: UInt16) -> Bool {
        unit == 0x20 || unit == 0x0A || unit == 0x09 || unit == 0x0D
    }

    private static func isCommandUnit(_ unit: UInt16) -> Bool {
        (0x30...0x39).contains(unit) || (0x41...0x5A).contains(unit) || (0x61...0x7A).contains(unit)
            || unit == 0x5F || unit == 0x40
    }
}
