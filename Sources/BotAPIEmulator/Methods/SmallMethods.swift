extension EmulatorState {
    /// `getMe`.
    func getMe() -> JSONValue {
        guard case .object(var fields) = bot.json else { return bot.json }
        fields["can_join_groups"] = true
        fields["can_read_all_group_messages"] = false
        fields["supports_inline_queries"] = false
        return .object(fields)
    }

    /// `deleteWebhook`: updates wait for `getUpdates` again; `drop_pending_updates`
    /// empties the queue.
    func deleteWebhook(_ parameters: RequestParameters) -> JSONValue {
        webhookDeletions += 1
        webhook = nil
        lastWebhookError = nil
        if parameters["drop_pending_updates"]?.boolValue == true { updates.removeAll() }
        return true
    }

    /// `sendChatAction`.
    func sendChatAction(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        let chat = try chatRecord(parameters["chat_id"]?.int64Value)
        let known: Set = [
            "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
            "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
        ]
        guard let action = parameters["action"]?.stringValue, known.contains(action) else {
            throw .badRequest("wrong parameter action in request")
        }
        chatActions.append(ChatActionRecord(chatID: chat.chat.id, action: action))
        return true
    }

    /// `answerCallbackQuery`: each query can be answered once.
    func answerCallbackQuery(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        guard let id = parameters["callback_query_id"]?.stringValue, pendingCallbackQueries.remove(id) != nil else {
            throw .badRequest("query is too old and response timeout expired or query ID is invalid")
        }
        let text = parameters["text"]?.stringValue
        if let text, text.utf16.count > 200 { throw .badRequest("MESSAGE_TOO_LONG") }
        callbackAnswers.append(
            CallbackAnswer(callbackQueryID: id, text: text, showAlert: parameters["show_alert"]?.boolValue ?? false)
        )
        return true
    }

    /// `setMyCommands`, per `language_code` ("" for the default list).
    func setMyCommands(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        guard let list = parameters["commands"]?.arrayValue else { throw .badRequest("can't parse commands JSON array") }
        var parsed: [EmulatedCommand] = []
        for item in list {
            guard let command = item["command"]?.stringValue, let description = item["description"]?.stringValue else {
                throw .badRequest("can't parse BotCommand")
            }
            let validName =
                (1...32).contains(command.count)
                && command.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
            guard validName else { throw .badRequest("BOT_COMMAND_INVALID") }
            guard (1...256).contains(description.count) else { throw .badRequest("command description is empty") }
            parsed.append(EmulatedCommand(command: command, description: description))
        }
        guard parsed.count <= 100 else { throw .badRequest("too many commands") }
        commands[parameters["language_code"]?.stringValue ?? ""] = parsed
        return true
    }
}
