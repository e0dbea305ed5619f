extension TelegramClient {
    /// `getUpdates`: long polling.
    ///
    /// - Parameters:
    ///   - offset: one more than the highest `update_id` already handled; confirms (and
    ///     makes Telegram forget) every earlier update.
    ///   - limit: 1–100 updates (Telegram's default 100).
    ///   - timeout: seconds to hold the request open while no update is waiting; 0 is
    ///     short polling. The request's own limit is this plus `longPollMargin`.
    ///   - allowedUpdates: update kinds to receive, e.g. `["message", "callback_query"]`;
    ///     nil keeps the previous setting.
    public func getUpdates(
        offset: Int? = nil, limit: Int? = nil, timeout: Int = 0, allowedUpdates: [String]? = nil
    ) async throws -> [Update] {
        let parameters = GetUpdatesParameters(offset: offset, limit: limit, timeout: timeout, allowedUpdates: allowedUpdates)
        return try await call(
            "getUpdates", parameters: parameters,
            timeout: .seconds(max(0, timeout)) + configuration.longPollMargin
        )
    }
}

struct GetUpdatesParameters: Encodable {
    var offset: Int?
    var limit: Int?
    var timeout: Int
    var allowedUpdates: [String]?

    enum CodingKeys: String, CodingKey {
        case offset, limit, timeout
        case allowedUpdates = "allowed_updates"
    }
}
