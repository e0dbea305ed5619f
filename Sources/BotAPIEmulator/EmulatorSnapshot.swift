/// A consistent copy of what the emulator has seen, for assertions and `waitUntil`.
public struct EmulatorSnapshot: Sendable {
    public var sentMessages: [SentMessage]
    public var callbackAnswers: [CallbackAnswer]
    public var chatActions: [ChatActionRecord]
    public var requests: [RecordedRequest]
    /// Updates not yet confirmed by a `getUpdates` offset.
    public var pendingUpdateCount: Int
    /// The highest update_id confirmed by an offset.
    public var confirmedUpdateID: Int?
    /// `setMyCommands` lists by language code ("" is the default list).
    public var commands: [String: [EmulatedCommand]]
    public var webhookDeletions: Int
    /// `getUpdates` requests currently held open waiting for an update.
    public var waitingPolls: Int
    /// Sends refused by `enforceFloodLimits`: each one a limit the bot overstepped.
    public var floodRejections: Int
    /// The registered webhook (nil: updates wait for `getUpdates`), and every attempt to
    /// deliver an update to it.
    public var webhookURL: String?
    public var webhookDeliveries: [WebhookDelivery]

    /// Everything the bot sent to the chat, deleted messages included.
    public func sentMessages(inChat chatID: Int64) -> [SentMessage] {
        sentMessages.filter { $0.chatID == chatID }
    }

    /// The bot's messages still in the chat, as the user sees them now: sent, maybe
    /// edited, not deleted.
    public func visibleSentMessages(inChat chatID: Int64) -> [SentMessage] {
        sentMessages.filter { $0.chatID == chatID && !$0.deleted }
    }

    public func requests(method: String) -> [RecordedRequest] {
        requests.filter { $0.method.lowercased() == method.lowercased() }
    }
}
