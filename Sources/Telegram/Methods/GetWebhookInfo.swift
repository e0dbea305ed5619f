extension TelegramClient {
    /// `getWebhookInfo`: where updates go now; an empty `url` means `getUpdates`.
    public func getWebhookInfo() async throws -> WebhookInfo {
        try await call("getWebhookInfo", parameters: NoParameters())
    }
}
