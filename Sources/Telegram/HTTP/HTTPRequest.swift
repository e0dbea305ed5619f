import Foundation

/// One POST to the Bot API, as the curl layer sees it. The URL holds the token: it lives
/// only in this value and in libcurl, never in an error or a log line.
struct HTTPRequest: Sendable {
    enum Body: Sendable {
        case json(Data)
        case multipart([MultipartPart])
    }

    var url: String
    var body: Body
    /// Whole-transfer limit; for `getUpdates` the long-poll timeout plus a margin.
    var timeout: Duration
    var connectTimeout: Duration
}

/// What came back: the HTTP status and the body, whatever the status.
struct HTTPResponse: Sendable {
    var status: Int
    var body: Data
    /// How many new connections libcurl opened for this transfer (0 when it reused one).
    var newConnections: Int
}
