/// A photo to put in place of a message's media (Bot API `InputMediaPhoto`), for
/// `editMessageMedia`.
///
/// Limitations: `caption_entities` and `show_caption_above_media` are not offered; the
/// photo is new bytes or a `file_id` (no HTTP URLs, Lienzo never sends them).
public struct InputMediaPhoto: Sendable, Equatable {
    /// `media`: uploaded bytes travel as a multipart part named in "attach://<name>".
    public var media: InputFile
    /// 0–1024 characters; nil removes the message's caption, as on Telegram.
    public var caption: String?
    public var parseMode: String?
    /// Covers the photo with a spoiler animation.
    public var hasSpoiler: Bool?

    public init(media: InputFile, caption: String? = nil, parseMode: String? = nil, hasSpoiler: Bool? = nil) {
        self.media = media
        self.caption = caption
        self.parseMode = parseMode
        self.hasSpoiler = hasSpoiler
    }

    /// The JSON object of the `media` field. An upload is referred to as
    /// "attach://`attachName`"; the caller sends the bytes in a part of that name.
    func json(attachName: String) -> InputMediaPhotoJSON {
        let reference: String
        switch media {
        case .upload: reference = "attach://\(attachName)"
        case .fileID(let id): reference = id
        }
        return InputMediaPhotoJSON(media: reference, caption: caption, parseMode: parseMode, hasSpoiler: hasSpoiler)
    }
}

/// `InputMediaPhoto` as it travels: the file reduced to its reference.
struct InputMediaPhotoJSON: Encodable {
    var type = "photo"
    var media: String
    var caption: String?
    var parseMode: String?
    var hasSpoiler: Bool?

    enum CodingKeys: String, CodingKey {
        case type, media, caption
        case parseMode = "parse_mode"
        case hasSpoiler = "has_spoiler"
    }
}
