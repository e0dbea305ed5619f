import Foundation

/// A parsed HTTP/1.1 request.
struct HTTPServerRequest: Sendable {
    var method: String
    /// The path without the query string.
    var path: String
    var query: String?
    /// Header names lowercased.
    var headers: [String: String]
    var body: Data

    var contentType: String? { headers["content-type"] }

    /// HTTP/1.1 keeps the connection unless the client says `Connection: close`.
    var keepAlive: Bool
}

/// What the server does with a request.
enum HTTPServerReply: Sendable {
    case respond(status: Int, body: Data)
    /// Close the connection without a byte of reply, as a crashed proxy would.
    case drop
}
