import Foundation

extension BotAPIEmulator {
    /// A user types `text` (in their private chat with the bot unless `chat` says
    /// otherwise). Commands get `bot_command` entities as Telegram adds them.
    /// - Returns: the new message's `message_id` and the update's `update_id`.
    @discardableResult
    public func sendUserMessage(
        _ text: String, from user: EmulatedUser, in chat: EmulatedChat? = nil, replyTo: Int? = nil
    ) -> (messageID: Int, updateID: Int) {
        let chat = chat ?? .private(with: user)
        let ids = withState { state in
            state.ensureChat(chat)
            let messageID = state.allocateMessageID(in: chat.id)
            let message = StoredMessage(
                messageID: messageID, chatID: chat.id, from: user.json, fromBot: false, date: state.now, text: text,
                entities: CommandEntities.find(in: text), replyToMessageID: replyTo
            )
            state.chats[chat.id]?.messages[messageID] = message
            return (messageID, state.enqueue(kind: "message", payload: state.messageJSON(message)))
        }
        recordUserText(text, from: user, chatID: chat.id)
        return ids
    }

    /// A user presses an inline button under a bot message, sending `data` (normally
    /// one of the button's `callback_data`, but any text, as a modified client could).
    /// - Returns: the callback query id the bot must answer.
    @discardableResult
    public func pressButton(data: String, onMessage messageID: Int, inChat chatID: Int64, by user: EmulatedUser) -> String {
        withState { state in
            let id = "emu-callback-\(state.nextCallbackNumber)"
            state.nextCallbackNumber += 1
            state.pendingCallbackQueries.insert(id)
            var payload: [String: JSONValue] = [
                "id": .string(id), "from": user.json, "chat_instance": .string("emu-instance-\(chatID)"),
                "data": .string(data),
            ]
            if let message = state.chats[chatID]?.messages[messageID] {
                payload["message"] = state.messageJSON(message)
            } else {
                // Telegram's InaccessibleMessage: only chat, id and date 0.
                let chat = state.chats[chatID]?.chat ?? EmulatedChat(id: chatID, type: "private")
                payload["message"] = ["chat": chat.json, "message_id": .int(Int64(messageID)), "date": 0]
            }
            _ = state.enqueue(kind: "callback_query", payload: .object(payload))
            return id
        }
    }

    /// Queues an update of any kind with any payload, as JSON text: the `update_id` is
    /// added. For unknown kinds, unknown fields and malformed payloads.
    /// - Returns: the update's `update_id`, or nil when `json` is not a JSON object.
    @discardableResult
    public func injectRawUpdate(_ json: String) -> Int? {
        guard case .object(var fields) = JSONValue.parse(json) else { return nil }
        return withState { state in
            let id = state.nextUpdateID
            state.nextUpdateID += 1
            fields["update_id"] = .int(Int64(id))
            let kind = fields.keys.first { $0 != "update_id" } ?? "unknown"
            state.updates.append(QueuedUpdate(updateID: id, kind: kind, json: .object(fields)))
            return id
        }
    }

    /// Makes a chat known without a message, so the bot may write to it.
    public func addChat(_ chat: EmulatedChat) {
        withState { $0.ensureChat(chat) }
    }

    /// From now on every send to `chatID` answers 403 with `description` (for a group,
    /// use "Forbidden: bot was kicked from the group chat").
    public func blockBot(inChat chatID: Int64, description: String = "Forbidden: bot was blocked by the user") {
        withState { $0.chats[chatID]?.blockedDescription = description }
    }

    /// Removes a message, as a user deleting their request: replies to it then fail with
    /// "message to be replied not found". A bot message deleted this way (users may
    /// delete them in private chats) is marked `deleted` in `sentMessages`.
    public func deleteMessage(_ messageID: Int, inChat chatID: Int64) {
        withState { $0.removeMessage(messageID, inChat: chatID) }
    }
}
