extension TelegramClient {
    /// `deleteWebhook`: `getUpdates` answers 409 while a webhook is set, so Ingest calls
    /// this at start-up.
    @discardableResult
    public func deleteWebhook(dropPendingUpdates: Bool? = nil) async throws -> Bool {
        try await call("deleteWebhook", parameters: DeleteWebhookParameters(dropPendingUpdates: dropPendingUpdates))
    }
}

struct DeleteWebhookParameters: Encodable {
    var dropPendingUpdates: Bool?

    enum CodingKeys: String, CodingKey {
        case dropPendingUpdates = "drop_pending_updates"
    }
}
