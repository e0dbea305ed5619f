/// The activity `sendChatAction` shows ("typing…", "sending photo…"). Raw values are the
/// Bot API's strings.
public enum ChatAction: String, Codable, Sendable {
    case typing
    case uploadPhoto = "upload_photo"
    case uploadDocument = "upload_document"
}
