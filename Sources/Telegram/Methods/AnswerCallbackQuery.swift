extension TelegramClient {
    /// `answerCallbackQuery`: stops the button's spinner, optionally with a notice.
    @discardableResult
    public func answerCallbackQuery(
        callbackQueryID: String, text: String? = nil, showAlert: Bool? = nil
    ) async throws -> Bool {
        let parameters = AnswerCallbackQueryParameters(callbackQueryID: callbackQueryID, text: text, showAlert: showAlert)
        return try await call("answerCallbackQuery", parameters: parameters)
    }
}

struct AnswerCallbackQueryParameters: Encodable {
    var callbackQueryID: String
    var text: String?
    var showAlert: Bool?

    enum CodingKeys: String, CodingKey {
        case callbackQueryID = "callback_query_id"
        case text
        case showAlert = "show_alert"
    }
}
