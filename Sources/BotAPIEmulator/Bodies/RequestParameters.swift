import EmbeddedHTTP
import Foundation

/// A file part of a multipart body.
public struct UploadedFile: Sendable, Equatable {
    public var data: Data
    public var fileName: String?
    public var contentType: String?
}

/// A request's parameters, whatever the encoding: the query string, a JSON object,
/// application/x-www-form-urlencoded or multipart/form-data, as the Bot API accepts.
struct RequestParameters: Sendable {
    enum Encoding: String, Sendable {
        case none, json, urlencoded, multipart
    }

    var fields: [String: JSONValue] = [:]
    var files: [String: UploadedFile] = [:]
    var encoding: Encoding = .none

    struct ParseError: Error {
        var description: String
    }

    init() {}

    init(_ request: HTTPServerRequest) throws(ParseError) {
        if let query = request.query {
            fields = FormURLEncoded.parse(query).mapValues(JSONValue.string)
        }
        guard !request.body.isEmpty else { return }
        let contentType = request.contentType?.lowercased() ?? ""
        if contentType.hasPrefix("application/json") {
            guard case .object(let object) = JSONValue.parse(request.body) else {
                throw ParseError(description: "Bad Request: can't parse JSON object")
            }
            fields.merge(object) { $1 }
            encoding = .json
        } else if contentType.hasPrefix("application/x-www-form-urlencoded") {
            let form = FormURLEncoded.parse(String(decoding: request.body, as: UTF8.self))
            fields.merge(form.mapValues(JSONValue.string)) { $1 }
            encoding = .urlencoded
        } else if contentType.hasPrefix("multipart/form-data") {
            guard let boundary = MultipartParser.boundary(fromContentType: request.contentType ?? "") else {
                throw ParseError(description: "Bad Request: multipart boundary is missing")
            }
            guard let parts = MultipartParser.parse(request.body, boundary: boundary) else {
                throw ParseError(description: "Bad Request: can't parse multipart body")
            }
            for part in parts {
                if let fileName = part.fileName {
                    files[part.name] = UploadedFile(data: part.data, fileName: fileName, contentType: part.contentType)
                } else {
                    fields[part.name] = .string(String(decoding: part.data, as: UTF8.self))
                }
            }
            encoding = .multipart
        } else {
            throw ParseError(description: "Bad Request: unsupported Content-Type \(contentType)")
        }
    }

    subscript(name: String) -> JSONValue? { fields[name] }
}
