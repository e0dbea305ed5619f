/// What an operator's /ban, /unban or /quota did, for its reply.
public struct AdminLine: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        case ban, unban, quota
    }

    public var action: Action
    public var userID: Int64
    /// False when there was nothing to do: banned already, or not banned.
    public var changed: Bool
    /// /ban: the target's waiting and running requests it cancelled.
    public var cancelled: Int
    /// /quota: the limits set; nil is the default for everyone.
    public var dailyLimit: Int?
    public var maxQueued: Int?

    public init(action: Action, userID: Int64, changed: Bool = true, cancelled: Int = 0, dailyLimit: Int? = nil, maxQueued: Int? = nil) {
        self.action = action
        self.userID = userID
        self.changed = changed
        self.cancelled = cancelled
        self.dailyLimit = dailyLimit
        self.maxQueued = maxQueued
    }

    enum CodingKeys: String, CodingKey {
        case action, changed, cancelled
        case userID = "user_id"
        case dailyLimit = "daily_limit"
        case maxQueued = "max_queued"
    }
}
