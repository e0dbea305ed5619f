import Foundation

/// A parsed HTTP/1.1 request.
public struct HTTPServerRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    public var query: String?
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data

    public var contentType: String? { headers["content-type"] }

    /// HTTP/1.1 keeps the connection unless the client says `Connection: close`.
    public var keepAlive: Bool

    public init(method: String, path: String, query: String? = nil, headers: [String: String] = [:], body: Data = Data(), keepAlive: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.keepAlive = keepAlive
    }
}

/// What the server does with a request.
public enum HTTPServerReply: Sendable {
    case respond(status: Int, body: Data, contentType: String = "application/json")
    /// Close the connection without a byte of reply, as a crashed proxy would.
    case drop

    /// A short plain-text reply (errors, refusals).
    public static func text(_ status: Int, _ text: String) -> HTTPServerReply {
        .respond(status: status, body: Data((text + "\n").utf8), contentType: "text/plain; charset=utf-8")
    }
}
