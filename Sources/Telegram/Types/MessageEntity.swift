/// A special entity in a text message (Bot API `MessageEntity`); Ingest uses `bot_command`
/// entities to find commands. Offsets and lengths are in UTF-16 code units, as in the Bot API.
public struct MessageEntity: Codable, Sendable, Equatable {
    /// `bot_command`, `mention`, `url`, … kept as text so new kinds never fail decoding.
    public var type: String
    public var offset: Int
    public var length: Int

    public init(type: String, offset: Int, length: Int) {
        self.type = type
        self.offset = offset
        self.length = length
    }
}
