/// A chat (Bot API `Chat`): private, group, supergroup or channel.
public struct Chat: Codable, Sendable, Equatable {
    public var id: Int64
    /// `private`, `group`, `supergroup` or `channel`; kept as text so a new kind never fails decoding.
    public var type: String
    public var title: String?
    public var username: String?
    public var firstName: String?
    public var lastName: String?
    public var isForum: Bool?

    public init(id: Int64, type: String, title: String? = nil, username: String? = nil, firstName: String? = nil) {
        self.id = id
        self.type = type
        self.title = title
        self.username = username
        self.firstName = firstName
    }

    /// True for `private` chats, where the bot reads plain text as a prompt.
    public var isPrivate: Bool { type == "private" }

    enum CodingKeys: String, CodingKey {
        case id, type, title, username
        case firstName = "first_name"
        case lastName = "last_name"
        case isForum = "is_forum"
    }
}
