import Foundation

/// Everything the emulator knows. Not thread-safe: `BotAPIEmulator` guards it with its
/// condition lock, and every method here runs with that lock held.
final class EmulatorState {
    let bot: EmulatedUser
    var chats: [Int64: ChatRecord] = [:]
    var updates: [QueuedUpdate] = []
    var nextUpdateID: Int
    /// The highest update_id a `getUpdates` offset has confirmed.
    var confirmedUpdateID: Int?
    var allowedUpdates: [String] = []
    /// Bumped by each `getUpdates`, so an older long poll knows it was superseded (409).
    var pollGeneration = 0
    /// `getUpdates` requests now blocked waiting for an update.
    var waitingPolls = 0
    var sent: [SentMessage] = []
    var sentIndex: [MessageKey: Int] = [:]
    /// Messages sent or edited since the emulator last drained this list (for the
    /// observer and the output folder).
    var changed: [SentMessage] = []
    var files: [String: UploadedFile] = [:]
    var nextFileNumber = 1
    var pendingCallbackQueries: Set<String> = []
    var nextCallbackNumber = 1
    var callbackAnswers: [CallbackAnswer] = []
    var chatActions: [ChatActionRecord] = []
    var commands: [String: [EmulatedCommand]] = [:]
    var requests: [RecordedRequest] = []
    var faults: [Fault] = []
    var webhookDeletions = 0
    var webhookSets = 0
    /// Set by `setWebhook`; while set, `getUpdates` answers 409 and updates are POSTed.
    var webhook: EmulatedWebhook?
    var webhookDeliveries: [WebhookDelivery] = []
    var lastWebhookError: (date: Int, message: String)?
    var webhookRetryDelay: Duration = .milliseconds(200)
    var webhookDeliveryStarted = false
    var floodControl: FloodControl?
    /// Sends refused by `floodControl`: each one a limit the bot overstepped.
    var floodRejections = 0

    struct MessageKey: Hashable {
        var chatID: Int64
        var messageID: Int
    }

    init(bot: EmulatedUser, firstUpdateID: Int) {
        self.bot = bot
        self.nextUpdateID = firstUpdateID
    }

    var now: Int { Int(Date().timeIntervalSince1970) }

    func chatRecord(_ id: Int64?) throws(APIError) -> ChatRecord {
        guard let id else { throw .badRequest("chat_id is empty") }
        guard let record = chats[id] else { throw .chatNotFound }
        if let blocked = record.blockedDescription { throw APIError(code: 403, description: blocked) }
        return record
    }

    func ensureChat(_ chat: EmulatedChat) {
        if chats[chat.id] == nil { chats[chat.id] = ChatRecord(chat: chat) }
    }

    func enqueue(kind: String, payload: JSONValue) -> Int {
        let id = nextUpdateID
        nextUpdateID += 1
        updates.append(QueuedUpdate(updateID: id, kind: kind, json: ["update_id": .int(Int64(id)), kind: payload]))
        return id
    }

    func messageJSON(_ message: StoredMessage) -> JSONValue {
        let record = chats[message.chatID]
        let chat = record?.chat ?? EmulatedChat(id: message.chatID, type: "private")
        let replyTo = message.replyToMessageID.flatMap { record?.messages[$0] }
        return message.json(chat: chat, replyTo: replyTo)
    }

    /// Stores a message from the bot and its inspectable record; returns the reply JSON.
    func storeBotMessage(_ message: StoredMessage, record: SentMessage) -> JSONValue {
        chats[message.chatID]?.messages[message.messageID] = message
        sentIndex[MessageKey(chatID: message.chatID, messageID: message.messageID)] = sent.count
        sent.append(record)
        changed.append(record)
        return messageJSON(message)
    }

    /// Applies `floodControl` around a counted method: refuses it with 429, or runs it
    /// and counts it on success.
    func floodControlled(_ name: String, chatID: Int64?, _ body: () throws(APIError) -> JSONValue) throws(APIError) -> JSONValue {
        guard var control = floodControl, FloodLimits.countedMethods.contains(name), let chatID, chats[chatID] != nil else {
            return try body()
        }
        let now = ProcessInfo.processInfo.systemUptime
        let type = chats[chatID]?.chat.type
        do {
            try control.check(chatID: chatID, isGroup: type == "group" || type == "supergroup", now: now)
        } catch {
            floodControl = control
            floodRejections += 1
            throw error
        }
        let result = try body()
        control.record(chatID: chatID, now: now)
        floodControl = control
        return result
    }

    func newFileID(kind: String) -> (id: String, uniqueID: String) {
        defer { nextFileNumber += 1 }
        return ("emu-\(kind)-\(nextFileNumber)", "emu-unique-\(nextFileNumber)")
    }
}
