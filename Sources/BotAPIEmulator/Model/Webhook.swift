import Foundation

/// The webhook `setWebhook` registered: while it is set, updates are POSTed to `url`
/// instead of waiting for `getUpdates` (which answers 409).
struct EmulatedWebhook {
    var url: String
    var secretToken: String?
    var maxConnections: Int
}

/// One attempt to deliver an update to the webhook, for tests to inspect.
public struct WebhookDelivery: Sendable, Equatable {
    public var updateID: Int
    /// The HTTP status the bot answered; 0 when no answer came (refused, dropped, timed out).
    public var status: Int
    /// The `X-Telegram-Bot-Api-Secret-Token` header it carried.
    public var secretToken: String?
}
