/// A message (Bot API `Message`), limited to the fields Lienzo reads. Every field beyond
/// `message_id`, `date` and `chat` is optional, so service messages and the
/// `InaccessibleMessage` of an old callback (`date` = 0) decode too.
public struct Message: Codable, Sendable, Equatable {
    public var messageID: Int
    public var messageThreadID: Int?
    public var from: User?
    /// Unix time; 0 for an inaccessible message.
    public var date: Int
    public var chat: Chat
    public var text: String?
    public var entities: [MessageEntity]?
    public var caption: String?
    public var captionEntities: [MessageEntity]?
    public var photo: [PhotoSize]?
    public var document: Document?
    /// True when the photo is covered by a spoiler animation; absent otherwise.
    public var hasMediaSpoiler: Bool?
    public var replyMarkup: InlineKeyboardMarkup?
    public var editDate: Int?
    /// Service message: this group became the supergroup with this id.
    public var migrateToChatID: Int64?
    // A struct cannot hold an optional of itself; one level of boxing keeps `Message` a value type.
    private var replyToMessageBox: MessageBox?

    /// The message this one replies to, as Telegram sends it (itself without a further reply).
    public var replyToMessage: Message? {
        get { replyToMessageBox?.message }
        set { replyToMessageBox = newValue.map(MessageBox.init) }
    }

    public init(messageID: Int, date: Int, chat: Chat, from: User? = nil, text: String? = nil) {
        self.messageID = messageID
        self.date = date
        self.chat = chat
        self.from = from
        self.text = text
    }

    /// The largest size of an attached photo (Telegram lists sizes smallest first).
    public var largestPhoto: PhotoSize? {
        photo?.max { $0.width * $0.height < $1.width * $1.height }
    }

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
        case messageThreadID = "message_thread_id"
        case from, date, chat, text, entities, caption
        case captionEntities = "caption_entities"
        case photo, document
        case hasMediaSpoiler = "has_media_spoiler"
        case replyMarkup = "reply_markup"
        case editDate = "edit_date"
        case migrateToChatID = "migrate_to_chat_id"
        case replyToMessageBox = "reply_to_message"
    }
}

/// Heap storage for `Message.replyToMessage`; encodes as the message itself.
final class MessageBox: Codable, Sendable, Equatable {
    let message: Message

    init(_ message: Message) { self.message = message }

    init(from decoder: any Decoder) throws {
        message = try Message(from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try message.encode(to: encoder)
    }

    static func == (lhs: MessageBox, rhs: MessageBox) -> Bool { lhs.message == rhs.message }
}
