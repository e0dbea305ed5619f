extension TelegramError {
    /// What kind of failure, as an extensible struct (new cases do not break `switch`es
    /// in other modules, which must carry a `default`).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable {
            case badRequest = "bad request"
            case unauthorized = "unauthorized (wrong token)"
            case forbidden = "forbidden (bot blocked or kicked)"
            case notFound = "not found"
            case conflict = "conflict"
            case tooManyRequests = "too many requests"
            case chatMigrated = "chat migrated to a supergroup"
            case serverError = "server error"
            case otherAPIError = "API error"
            case invalidResponse = "invalid response"
            case acceptedUnreadable = "accepted, result unreadable"
            case network = "network error"
        }

        let base: Base

        public var description: String { base.rawValue }

        /// 400, other than a migration.
        public static let badRequest = Code(base: .badRequest)
        /// 401: the token is wrong or revoked.
        public static let unauthorized = Code(base: .unauthorized)
        /// 403: blocked by the user, kicked from the group, or not allowed to write there.
        public static let forbidden = Code(base: .forbidden)
        /// 404: unknown method (or a token of the wrong shape).
        public static let notFound = Code(base: .notFound)
        /// 409: another `getUpdates` is running, or a webhook is set.
        public static let conflict = Code(base: .conflict)
        /// 429: flood control; `retryAfter` says how long to wait.
        public static let tooManyRequests = Code(base: .tooManyRequests)
        /// 400 with `migrate_to_chat_id`: repeat in the new chat.
        public static let chatMigrated = Code(base: .chatMigrated)
        /// 5xx from Telegram or a proxy in front of it.
        public static let serverError = Code(base: .serverError)
        /// Any other `ok:false` code.
        public static let otherAPIError = Code(base: .otherAPIError)
        /// A reply that is not a Bot API envelope (an HTML error page, truncated JSON).
        public static let invalidResponse = Code(base: .invalidResponse)
        /// `ok:true` whose `result` does not decode as the method's type: Telegram did what
        /// was asked (a send went out), so it must never be repeated; `acceptedMessageID`
        /// holds what could be read.
        public static let acceptedUnreadable = Code(base: .acceptedUnreadable)
        /// No complete reply: refused, reset, timed out, TLS failure (`curlCode` says which).
        public static let network = Code(base: .network)

        /// The code for an `ok:false` reply.
        static func forAPIError(_ errorCode: Int, parameters: ResponseParameters?) -> Code {
            if parameters?.migrateToChatID != nil { return .chatMigrated }
            switch errorCode {
            case 400: return .badRequest
            case 401: return .unauthorized
            case 403: return .forbidden
            case 404: return .notFound
            case 409: return .conflict
            case 429: return .tooManyRequests
            case 500...599: return .serverError
            default: return .otherAPIError
            }
        }
    }
}
