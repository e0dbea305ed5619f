import Foundation

/// One field of a multipart/form-data body. Bot API objects (reply_markup,
/// reply_parameters) travel as JSON text in a field, as Telegram expects.
struct MultipartPart: Sendable, Equatable {
    var name: String
    var data: Data
    var fileName: String?
    var contentType: String?

    static func text(_ name: String, _ value: String) -> MultipartPart {
        MultipartPart(name: name, data: Data(value.utf8))
    }

    static func json(_ name: String, _ value: some Encodable) throws -> MultipartPart {
        MultipartPart(name: name, data: try JSONEncoder().encode(value))
    }

    static func file(_ name: String, data: Data, fileName: String, contentType: String) -> MultipartPart {
        MultipartPart(name: name, data: data, fileName: fileName, contentType: contentType)
    }
}

extension Array where Element == MultipartPart {
    /// Appends a text field only when the value is present.
    mutating func appendText(_ name: String, _ value: String?) {
        if let value { append(.text(name, value)) }
    }

    /// Appends a JSON-encoded field only when the value is present.
    mutating func appendJSON(_ name: String, _ value: (some Encodable)?) throws {
        if let value { append(try .json(name, value)) }
    }
}
