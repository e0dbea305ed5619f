/// A failed Bot API call: an `ok:false` reply, a reply that is not the Bot API's, or a
/// transfer libcurl could not complete.
///
/// `description` is short and generic; `debugDescription` carries every detail. Neither
/// ever holds the bot token: the client never puts the URL in an error, and every text
/// that could quote it (Telegram's description, libcurl's message) is redacted when the
/// error is made.
public struct TelegramError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public var code: Code
    /// The Bot API method, e.g. `sendPhoto`.
    public var method: String
    /// `error_code` from an `ok:false` reply (Telegram mirrors it in the HTTP status).
    public var errorCode: Int?
    /// Telegram's `description`, e.g. "Bad Request: message to be replied not found".
    public var apiDescription: String?
    /// From `parameters.retry_after` of a 429: seconds to wait before repeating.
    public var retryAfter: Int?
    /// From `parameters.migrate_to_chat_id`: the group became this supergroup.
    public var migrateToChatID: Int64?
    /// The HTTP status, when a reply came back.
    public var httpStatus: Int?
    /// libcurl's `CURLcode` for network failures (7 refused, 28 timed out, 52 empty reply, 56 receive error).
    public var curlCode: Int?
    /// libcurl's message, redacted.
    public var curlMessage: String?
    /// For network failures: the Bot API's host and port (`api.telegram.org:443`), never
    /// the URL, whose path holds the token.
    public var host: String?
    /// For `acceptedUnreadable`: `result.message_id`, when the unreadable result had one.
    public var acceptedMessageID: Int?
    public var file: String
    public var line: Int

    public init(
        code: Code, method: String, errorCode: Int? = nil, apiDescription: String? = nil,
        retryAfter: Int? = nil, migrateToChatID: Int64? = nil, httpStatus: Int? = nil,
        curlCode: Int? = nil, curlMessage: String? = nil, host: String? = nil, file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.method = method
        self.errorCode = errorCode
        self.apiDescription = apiDescription
        self.retryAfter = retryAfter
        self.migrateToChatID = migrateToChatID
        self.httpStatus = httpStatus
        self.curlCode = curlCode
        self.curlMessage = curlMessage
        self.host = host
        self.file = file
        self.line = line
    }

    /// Why a network failure happened, from `curlCode`; nil for any other failure.
    public var networkReason: NetworkReason? {
        guard code == .network, let curlCode else { return nil }
        return NetworkReason(curlCode: curlCode)
    }

    public var description: String {
        var text = "Telegram \(method) failed: \(code)"
        if let host { text += " reaching \(host)" }
        if let networkReason { text += ": \(networkReason)" }
        if let retryAfter { text += " (retry after \(retryAfter) s)" }
        return text
    }

    public var debugDescription: String {
        var fields = ["code: \(code)", "method: \(method)"]
        if let errorCode { fields.append("error_code: \(errorCode)") }
        if let apiDescription { fields.append("description: \(apiDescription)") }
        if let retryAfter { fields.append("retry_after: \(retryAfter)") }
        if let migrateToChatID { fields.append("migrate_to_chat_id: \(migrateToChatID)") }
        if let httpStatus { fields.append("http_status: \(httpStatus)") }
        if let curlCode { fields.append("curl_code: \(curlCode)") }
        if let curlMessage { fields.append("curl_message: \(curlMessage)") }
        if let host { fields.append("host: \(host)") }
        if let networkReason { fields.append("reason: \(networkReason)") }
        if let acceptedMessageID { fields.append("accepted_message_id: \(acceptedMessageID)") }
        fields.append("at: \(file):\(line)")
        return "TelegramError(" + fields.joined(separator: ", ") + ")"
    }
}

extension TelegramError {
    /// 400 "message to be replied not found": the request was deleted; send without the reply.
    public var isReplyTargetMissing: Bool {
        code == .badRequest && mentions("message to be replied not found", "replied message not found")
    }

    /// 400 "message is not modified": an edit with the same text and markup; the content
    /// is already what was wanted, so treat it as done.
    public var isMessageNotModified: Bool {
        code == .badRequest && mentions("message is not modified")
    }

    /// 400 "message to edit not found" / "message can't be edited": stop editing that message.
    public var isMessageToEditGone: Bool {
        code == .badRequest && mentions("message to edit not found", "message can't be edited")
    }

    /// 400 "message to delete not found" / "message can't be deleted": nothing left to delete.
    public var isMessageToDeleteGone: Bool {
        code == .badRequest && mentions("message to delete not found", "message can't be deleted")
    }

    /// 403: the user blocked the bot, or the bot was kicked from the group. Stop sending there.
    public var isBlockedOrKicked: Bool { code == .forbidden }

    private func mentions(_ fragments: String...) -> Bool {
        guard let text = apiDescription?.lowercased() else { return false }
        return fragments.contains { text.contains($0) }
    }
}
