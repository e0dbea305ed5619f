import EmbeddedHTTP
import Foundation
import Runtime

extension BotAPIEmulator {
    /// Answers one HTTP request; runs on the connection's thread and may block there
    /// (long polls, scripted delays).
    func handle(_ request: HTTPServerRequest) -> HTTPServerReply {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false)
        // "/bot<token>/<method>" splits into "", "bot<token>", "<method>".
        guard segments.count == 3, segments[1].hasPrefix("bot") else { return reply(APIError.notFound) }
        guard segments[1].dropFirst(3) == token.revealed else { return reply(APIError.unauthorized) }
        let method = String(segments[2])
        let parameters: RequestParameters
        do {
            parameters = try RequestParameters(request)
        } catch {
            return reply(APIError(code: 400, description: error.description))
        }
        let chatID = parameters["chat_id"]?.int64Value
        var entry = RecordedRequest(
            method: method, chatID: chatID, encoding: parameters.encoding.rawValue, status: 200, faulted: false,
            headers: request.headers
        )
        let fault = takeFault(method: method, chatID: chatID)
        let outcome: HTTPServerReply
        switch fault?.kind {
        case .delay(let duration)?:
            Thread.sleep(forTimeInterval: duration.seconds)
            outcome = perform(method, parameters)
        case .dropConnection?:
            outcome = .drop
        case .blackHole(let end)?:
            let wait = ContinuousClock.now.duration(to: end)
            if wait > .zero { Thread.sleep(forTimeInterval: wait.seconds) }
            outcome = .drop
        case .dropConnectionAfterProcessing?:
            _ = perform(method, parameters)
            outcome = .drop
        case .acceptedWithoutFields(let fields)?:
            outcome = perform(method, parameters, removingResultFields: fields)
        case let kind?:
            outcome = faultReply(kind)
        case nil:
            outcome = perform(method, parameters)
        }
        if case .respond(let status, _, _) = outcome { entry.status = status } else { entry.status = 0 }
        entry.faulted = fault != nil
        withState { $0.requests.append(entry) }
        return outcome
    }

    private func takeFault(method: String, chatID: Int64?) -> Fault? {
        withState { state in
            guard let index = state.faults.firstIndex(where: { $0.matches(method: method, chatID: chatID) }) else {
                return nil
            }
            state.faults[index].times -= 1
            let fault = state.faults[index]
            if fault.times <= 0 { state.faults.remove(at: index) }
            return fault
        }
    }

    private func faultReply(_ kind: Fault.Kind) -> HTTPServerReply {
        switch kind {
        case .tooManyRequests(let seconds):
            return reply(
                APIError(
                    code: 429, description: "Too Many Requests: retry after \(seconds)",
                    parameters: ["retry_after": .int(Int64(seconds))]
                ))
        case .forbidden(let description):
            return reply(APIError(code: 403, description: description))
        case .badRequest(let description):
            return reply(APIError(code: 400, description: description))
        case .migrateToChat(let chatID):
            return reply(
                APIError(
                    code: 400, description: "Bad Request: group chat was upgraded to a supergroup chat",
                    parameters: ["migrate_to_chat_id": .int(chatID)]
                ))
        case .serverError(let status, let description):
            return reply(APIError(code: status, description: description))
        case .invalidBody(let status, let body):
            return .respond(status: status, body: Data(body.utf8))
        case .delay, .dropConnection, .blackHole, .dropConnectionAfterProcessing, .acceptedWithoutFields:
            return .drop
        }
    }

    /// Runs a Bot API method (method names are case-insensitive, as on Telegram).
    private func perform(
        _ method: String, _ parameters: RequestParameters, removingResultFields removed: [String] = []
    ) -> HTTPServerReply {
        let name = method.lowercased()
        if name == "getupdates" { return getUpdates(parameters) }
        let (result, newlySent): (Result<JSONValue, APIError>, [SentMessage]) = withState { state in
            let result = Result { () throws(APIError) -> JSONValue in
                try state.floodControlled(name, chatID: parameters["chat_id"]?.int64Value) { () throws(APIError) -> JSONValue in
                    switch name {
                    case "getme": return state.getMe()
                    case "sendmessage": return try state.sendMessage(parameters)
                    case "sendphoto": return try state.sendMedia(parameters, field: "photo")
                    case "senddocument": return try state.sendMedia(parameters, field: "document")
                    case "sendchataction": return try state.sendChatAction(parameters)
                    case "editmessagetext": return try state.editMessageText(parameters)
                    case "editmessagecaption": return try state.editMessageCaption(parameters)
                    case "editmessagemedia": return try state.editMessageMedia(parameters)
                    case "deletemessage": return try state.deleteMessage(parameters)
                    case "answercallbackquery": return try state.answerCallbackQuery(parameters)
                    case "deletewebhook": return state.deleteWebhook(parameters)
                    case "setwebhook": return try state.setWebhook(parameters)
                    case "getwebhookinfo": return state.getWebhookInfo()
                    case "setmycommands": return try state.setMyCommands(parameters)
                    default: throw APIError.notFound
                    }
                }
            }
            defer { state.changed.removeAll(keepingCapacity: true) }
            return (result, state.changed)
        }
        record(newlySent)
        if name == "setwebhook", case .success = result { startWebhookDeliveriesOnce() }
        switch result {
        case .success(.object(var fields)) where !removed.isEmpty:
            for field in removed { fields[field] = nil }
            return reply(.object(fields))
        case .success(let value): return reply(value)
        case .failure(let error): return reply(error)
        }
    }

    /// `getUpdates`: returns at once when updates are waiting, otherwise holds the
    /// request until one arrives, `timeout` seconds pass, or a newer `getUpdates`
    /// supersedes this one (409, as Telegram answers the older of two pollers).
    private func getUpdates(_ parameters: RequestParameters) -> HTTPServerReply {
        let timeout = max(0, parameters["timeout"]?.intValue ?? 0)
        let deadline = Date(timeIntervalSinceNow: TimeInterval(timeout))
        condition.lock()
        defer { condition.unlock() }
        state.pollGeneration += 1
        let generation = state.pollGeneration
        guard state.webhook == nil else {
            return reply(APIError(
                code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"))
        }
        do {
            try state.prepareUpdates(parameters)
        } catch {
            return reply(error)
        }
        resolveWaiters()
        condition.broadcast()
        while true {
            let ready = state.readyUpdates(limit: parameters["limit"]?.intValue)
            if !ready.isEmpty || timeout == 0 || stopping { return reply(.array(ready)) }
            guard state.pollGeneration == generation else {
                return reply(
                    APIError(
                        code: 409,
                        description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
                    ))
            }
            state.waitingPolls += 1
            resolveWaiters()
            let signalled = condition.wait(until: deadline)
            state.waitingPolls -= 1
            if !signalled { return reply(.array(state.readyUpdates(limit: parameters["limit"]?.intValue))) }
        }
    }

    private func reply(_ result: JSONValue) -> HTTPServerReply {
        .respond(status: 200, body: JSONValue.object(["ok": true, "result": result]).serialized())
    }

    private func reply(_ error: APIError) -> HTTPServerReply {
        .respond(status: error.code, body: error.json.serialized())
    }
}
