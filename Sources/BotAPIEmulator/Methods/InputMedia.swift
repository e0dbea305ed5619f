/// The `media` parameter of `editMessageMedia`, read as the official Bot API server
/// reads it, with its descriptions ("can't parse InputMedia: …").
///
/// Limitation: only `InputMediaPhoto` is emulated; `caption_entities` and
/// `show_caption_above_media` are ignored. Animation, audio, document and video are
/// refused with a description that says so.
struct InputMedia {
    /// The file: "attach://<part>" or a `file_id`.
    var reference: String
    var file: UploadedFile
    var caption: String?
    var parseMode: String?
    var hasSpoiler: Bool

    init(_ parameters: RequestParameters, state: EmulatorState) throws(APIError) {
        guard let value = parameters["media"] else { throw .badRequest("parameter \"media\" is required") }
        guard let object = value.structured, case .object = object else {
            throw .badRequest("can't parse input media JSON object")
        }
        guard let type = object["type"]?.stringValue else {
            throw Self.unreadable("Field \"type\" must be of type String")
        }
        guard type == "photo" else {
            let known: Set = ["animation", "audio", "document", "video"]
            throw Self.unreadable(known.contains(type) ? "type \"\(type)\" is not emulated" : "unsupported type \"\(type)\"")
        }
        guard let reference = object["media"]?.stringValue else {
            throw Self.unreadable("Field \"media\" must be of type String")
        }
        if let file = state.referencedFile(reference, in: parameters) {
            self.file = file
        } else if reference.hasPrefix("attach://") {
            throw Self.unreadable("media not found")
        } else {
            throw .badRequest("wrong file identifier/HTTP URL specified")
        }
        self.reference = reference
        caption = try TextRules.validCaption(object["caption"])
        parseMode = object["parse_mode"]?.stringValue
        hasSpoiler = object["has_spoiler"]?.boolValue ?? false
    }

    private static func unreadable(_ reason: String) -> APIError {
        .badRequest("can't parse InputMedia: \(reason)")
    }
}
