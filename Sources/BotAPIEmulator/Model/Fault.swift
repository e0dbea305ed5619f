/// A scripted failure: the next `times` requests that match `method` (any when nil) and
/// `chatID` (any when nil) get `kind` instead of — or, for delays, before — the normal
/// answer. Faults are consulted in the order they were added.
public struct Fault: Sendable {
    public enum Kind: Sendable, Equatable {
        /// 429 "Too Many Requests: retry after N" with `parameters.retry_after`.
        case tooManyRequests(retryAfter: Int)
        /// 403, by default "Forbidden: bot was blocked by the user".
        case forbidden(description: String = "Forbidden: bot was blocked by the user")
        /// 400 with this description.
        case badRequest(description: String)
        /// 400 "Bad Request: group chat was upgraded to a supergroup chat" with `parameters.migrate_to_chat_id`.
        case migrateToChat(Int64)
        /// A 5xx Bot API reply (`ok:false`).
        case serverError(status: Int = 500, description: String = "Internal Server Error")
        /// A reply that is not the Bot API's: a proxy's HTML error page.
        case invalidBody(status: Int, body: String)
        /// Answers normally, after this long.
        case delay(Duration)
        /// Reads the request and closes the connection without replying; nothing happens.
        case dropConnection
        /// Reads the request and answers nothing until this moment, then closes the
        /// connection; nothing happens. Telegram unreachable while its address still takes
        /// connections: the client waits out its own timeout. With a large `times`, every
        /// matching request until then.
        case blackHole(until: ContinuousClock.Instant)
        /// Carries out the request (the message is sent!) and then drops the connection:
        /// the case where the bot cannot tell whether Telegram got it.
        case dropConnectionAfterProcessing
        /// Carries out the request (the message is sent!) and answers `ok:true` with these
        /// fields missing from the result: a reply newer or odder than the bot's types.
        case acceptedWithoutFields([String])
    }

    public var kind: Kind
    public var method: String?
    public var chatID: Int64?
    public var times: Int

    public init(_ kind: Kind, method: String? = nil, chatID: Int64? = nil, times: Int = 1) {
        self.kind = kind
        self.method = method
        self.chatID = chatID
        self.times = times
    }

    func matches(method: String, chatID: Int64?) -> Bool {
        guard times > 0 else { return false }
        if let wanted = self.method, wanted.lowercased() != method.lowercased() { return false }
        if let wanted = self.chatID, wanted != chatID { return false }
        return true
    }
}
