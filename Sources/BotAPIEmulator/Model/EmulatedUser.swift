/// A person talking to the bot, as the test scripts them.
public struct EmulatedUser: Sendable, Hashable {
    public var id: Int64
    public var firstName: String
    public var lastName: String?
    public var username: String?
    /// Sent as `language_code`, e.g. `es` or `en`; nil for clients that send none.
    public var languageCode: String?
    public var isBot: Bool

    public init(
        id: Int64, firstName: String = "Ada", lastName: String? = nil, username: String? = nil,
        languageCode: String? = "en", isBot: Bool = false
    ) {
        self.id = id
        self.firstName = firstName
        self.lastName = lastName
        self.username = username
        self.languageCode = languageCode
        self.isBot = isBot
    }

    /// The Bot API `User` object.
    var json: JSONValue {
        var fields: [String: JSONValue] = ["id": .int(id), "is_bot": .bool(isBot), "first_name": .string(firstName)]
        if let lastName { fields["last_name"] = .string(lastName) }
        if let username { fields["username"] = .string(username) }
        if let languageCode { fields["language_code"] = .string(languageCode) }
        return .object(fields)
    }
}

/// A chat: private chats share the user's id; groups have negative ids, supergroups
/// `-100…` ids, as on Telegram.
public struct EmulatedChat: Sendable, Hashable {
    public var id: Int64
    /// `private`, `group` or `supergroup`.
    public var type: String
    public var title: String?
    public var username: String?
    public var firstName: String?

    public init(id: Int64, type: String, title: String? = nil, username: String? = nil, firstName: String? = nil) {
        self.id = id
        self.type = type
        self.title = title
        self.username = username
        self.firstName = firstName
    }

    /// The private chat between `user` and the bot.
    public static func `private`(with user: EmulatedUser) -> EmulatedChat {
        EmulatedChat(id: user.id, type: "private", username: user.username, firstName: user.firstName)
    }

    public static func group(id: Int64, title: String) -> EmulatedChat {
        EmulatedChat(id: id, type: "group", title: title)
    }

    public static func supergroup(id: Int64, title: String) -> EmulatedChat {
        EmulatedChat(id: id, type: "supergroup", title: title)
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = ["id": .int(id), "type": .string(type)]
        if let title { fields["title"] = .string(title) }
        if let username { fields["username"] = .string(username) }
        if let firstName, type == "private" { fields["first_name"] = .string(firstName) }
        return .object(fields)
    }
}
