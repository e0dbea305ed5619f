/// A command shown in the client's menu (Bot API `BotCommand`).
public struct BotCommand: Codable, Sendable, Equatable {
    /// 1–32 characters: lowercase letters, digits and underscores, without the slash.
    public var command: String
    /// 1–256 characters.
    public var description: String

    public init(command: String, description: String) {
        self.command = command
        self.description = description
    }
}
