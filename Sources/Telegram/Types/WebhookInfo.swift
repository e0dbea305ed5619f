/// Bot API `WebhookInfo` (the fields Lienzo reads).
public struct WebhookInfo: Codable, Sendable, Equatable {
    /// Empty when no webhook is set.
    public var url: String
    public var pendingUpdateCount: Int
    public var maxConnections: Int?
    public var allowedUpdates: [String]?
    /// Unix time and text of the last error delivering an update to the webhook.
    public var lastErrorDate: Int?
    public var lastErrorMessage: String?

    public init(
        url: String, pendingUpdateCount: Int = 0, maxConnections: Int? = nil, allowedUpdates: [String]? = nil,
        lastErrorDate: Int? = nil, lastErrorMessage: String? = nil
    ) {
        self.url = url
        self.pendingUpdateCount = pendingUpdateCount
        self.maxConnections = maxConnections
        self.allowedUpdates = allowedUpdates
        self.lastErrorDate = lastErrorDate
        self.lastErrorMessage = lastErrorMessage
    }

    enum CodingKeys: String, CodingKey {
        case url
        case pendingUpdateCount = "pending_update_count"
        case maxConnections = "max_connections"
        case allowedUpdates = "allowed_updates"
        case lastErrorDate = "last_error_date"
        case lastErrorMessage = "last_error_message"
    }
}
