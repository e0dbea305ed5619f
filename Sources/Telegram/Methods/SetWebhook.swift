import Runtime

extension TelegramClient {
    /// `setWebhook`: Telegram POSTs each update to `url` instead of holding it for
    /// `getUpdates`, with `secretToken` in the `X-Telegram-Bot-Api-Secret-Token` header
    /// (the token travels in the request body only, which is never logged).
    @discardableResult
    public func setWebhook(
        url: String, secretToken: Secret, allowedUpdates: [String], maxConnections: Int, dropPendingUpdates: Bool? = nil
    ) async throws -> Bool {
        try await call("setWebhook", parameters: SetWebhookParameters(
            url: url, secretToken: secretToken.revealed, allowedUpdates: allowedUpdates, maxConnections: maxConnections,
            dropPendingUpdates: dropPendingUpdates))
    }
}

struct SetWebhookParameters: Encodable {
    var url: String
    var secretToken: String
    var allowedUpdates: [String]
    var maxConnections: Int
    var dropPendingUpdates: Bool?

    enum CodingKeys: String, CodingKey {
        case url
        case secretToken = "secret_token"
        case allowedUpdates = "allowed_updates"
        case maxConnections = "max_connections"
        case dropPendingUpdates = "drop_pending_updates"
    }
}
