/// One size of a photo or a thumbnail (Bot API `PhotoSize`).
public struct PhotoSize: Codable, Sendable, Equatable {
    public var fileID: String
    public var fileUniqueID: String
    public var width: Int
    public var height: Int
    public var fileSize: Int?

    enum CodingKeys: String, CodingKey {
        case fileID = "file_id"
        case fileUniqueID = "file_unique_id"
        case width, height
        case fileSize = "file_size"
    }
}
