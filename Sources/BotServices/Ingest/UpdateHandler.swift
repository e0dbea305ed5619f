import Bot
import Foundation
import Logging
import Runtime
import Schema
import Telegram

/// Handles one update in one transaction: records it in `telegram_updates` (a re-read
/// update finds its row and does nothing), writes its effect (a job, outbox rows),
/// records the outcome and moves the stored offset past it. Only a committed update may
/// be confirmed to Telegram.
struct UpdateHandler: Sendable {
    let connection: PostgresConnection
    /// Its limits follow the model's profile (`ModelProfileRefresh`).
    var router: MessageRouter
    let botID: Int64
    let logger: Logger
    /// The operators' prompt rules (`PromptRulesRefresh`); none until the first read.
    var blocklist: PromptBlocklist = .empty
    /// Who runs the bot from the chat, and who may use it (`UpdateHandler+Admin`).
    var access = AccessPolicy()
    /// Whether each update moves the stored getUpdates offset. Not by webhook: updates
    /// come in any order there, and an offset past one still undelivered would make
    /// Telegram forget it once polling resumes (a re-read update is a duplicate anyway).
    var storesOffset = true

    /// What happened, for the caller's log and for work that must wait for the commit.
    struct Handled: Sendable, Equatable {
        var outcome: String
        /// An `answerCallbackQuery` to make after the commit: (query id, text, alert).
        var callbackAnswer: CallbackAnswer?
    }

    struct CallbackAnswer: Sendable, Equatable {
        var id: String
        var text: String
        var showAlert: Bool
    }

    func handle(_ update: Update) async throws -> Handled {
        let updateID = Int64(update.updateID)
        let (kind, chatID, userID) = Self.describe(update)
        return try await connection.transaction { connection in
            guard try await connection.recordUpdate(updateID, kind: kind, chatID: chatID, userID: userID) else {
                return Handled(outcome: "duplicate")
            }
            let handled: Handled
            switch update.kind {
            case .message(let message):
                handled = try await handleMessage(message, updateID: updateID, connection: connection)
            case .callbackQuery(let query):
                handled = try await handleCallback(query, updateID: updateID, connection: connection)
            case .editedMessage:
                // Re-rendering on edits would spend quota behind the user's back.
                handled = Handled(outcome: "ignored:edited")
            case .unknown:
                handled = Handled(outcome: "ignored:unknown")
            }
            try await connection.setUpdateOutcome(updateID, handled.outcome)
            if storesOffset { try await connection.saveUpdateOffset(botID: botID, nextOffset: updateID + 1) }
            return handled
        }
    }

    /// Records an update that kept failing, so the poll can move past it.
    func recordFailed(_ update: Update, error: String) async throws {
        let updateID = Int64(update.updateID)
        let (kind, chatID, userID) = Self.describe(update)
        try await connection.transaction { connection in
            if try await connection.recordUpdate(updateID, kind: kind, chatID: chatID, userID: userID) {
                try await connection.setUpdateOutcome(updateID, "error:" + String(error.prefix(90)))
            }
            if storesOffset { try await connection.saveUpdateOffset(botID: botID, nextOffset: updateID + 1) }
        }
    }

    static func describe(_ update: Update) -> (kind: String, chatID: Int64?, userID: Int64?) {
        switch update.kind {
        case .message(let message): ("message", message.chat.id, message.from?.id)
        case .editedMessage(let message): ("edited_message", message.chat.id, message.from?.id)
        case .callbackQuery(let query): ("callback_query", query.message?.chat.id, query.from.id)
        case .unknown: ("unknown", nil, nil)
        }
    }

    // MARK: Messages

    private func handleMessage(_ message: Message, updateID: Int64, connection: PostgresConnection) async throws -> Handled {
        guard let from = message.from, !from.isBot else { return Handled(outcome: "ignored:no_user") }
        let chatID = message.chat.id
        // Writing to the bot again undoes an earlier block (403).
        try await connection.clearChatUndeliverable(chatID)
        let origin = TelegramOrigin(updateID: updateID, chatID: chatID, userID: from.id,
                                    messageID: Int64(message.messageID), languageCode: from.languageCode)
        let intent = router.route(text: message.text, isPrivateChat: message.chat.isPrivate, fromAdmin: access.isAdmin(from.id)) {
            Int64.random(in: 0...GenerationLimits.maxSeed)
        }
        let queue = JobQueue(connection)
        func reply(_ botMessage: BotMessage) async throws {
            try await insertReply(botMessage, to: origin, connection: connection)
        }
        if case .ignore(let reason) = intent { return Handled(outcome: "ignored:" + reason) }
        guard try await isServed(userID: from.id, chatID: chatID, connection: connection) else {
            try await reply(.notAllowed)
            return Handled(outcome: "refused:not_allowed")
        }
        switch intent {
        case .ignore(let reason):
            return Handled(outcome: "ignored:" + reason)
        case .admin(let command):
            return try await handleAdmin(command, in: message, origin: origin, connection: connection)
        case .reply(.help(var model), let outcome):
            // /help names the user's own daily quota and waiting limit, which only the database knows.
            let quota = try await connection.quota(ofUser: from.id)
            (model.dailyLimit, model.maxQueued) = (quota.dailyLimit, quota.maxQueued)
            try await reply(.help(model))
            return Handled(outcome: outcome)
        case .reply(let botMessage, let outcome):
            try await reply(botMessage)
            return Handled(outcome: outcome)
        case .generate(let request, let promptCut):
            if let refusal = try await promptRuleRefusal(request, origin: origin, connection: connection) {
                try await reply(.rejected(refusal))
                return Handled(outcome: "rejected:" + refusal.code)
            }
            if let refusal = try await loraRefusal(request, connection: connection) {
                try await reply(.rejected(refusal))
                return Handled(outcome: "rejected:" + refusal.code)
            }
            return Handled(outcome: try await enqueue(request, origin: origin, promptCut: promptCut, connection: connection).outcome)
        case .status:
            try await reply(.status(try await connection.pendingJobs(ofUser: from.id)))
            return Handled(outcome: "status")
        case .cancel:
            let cancelled = try await queue.cancel(userID: from.id)
            try await reply(.cancelled(count: cancelled.count, rendering: cancelled.filter(\.wasRendering).count))
            return Handled(outcome: "cancelled:\(cancelled.count)")
        case .quota:
            try await reply(.quota(try await connection.quota(ofUser: from.id)))
            return Handled(outcome: "quota")
        case .styles:
            let loras = try await queue.visibleLoras(model: router.limits.model)
            try await reply(.styles(loras.map { StyleLine(name: $0.name, description: $0.description) }))
            return Handled(outcome: "styles")
        case .privacy:
            try await reply(.privacy(try await privacyLine(connection: connection)))
            return Handled(outcome: "privacy")
        case .forget:
            // Nothing is erased until the button under this message is pressed.
            try await reply(.forgetConfirm(userID: from.id))
            return Handled(outcome: "forget_asked")
        }
    }

    /// Writes `message` to the outbox as the answer to the update of `origin`, naming its
    /// user, so that /forget finds what a reply quotes of their words.
    func insertReply(_ message: BotMessage, to origin: TelegramOrigin, jobID: Int64? = nil, connection: PostgresConnection) async throws {
        try await JobQueue(connection).insertReply(OutboxMessage(
            chatID: origin.chatID, jobID: jobID, replyToMessageID: origin.messageID, languageCode: origin.languageCode,
            kind: message.kind, argsJSON: message.argsJSON), userID: origin.userID)
    }

    /// Enqueues and writes the acknowledgement or the refusal. Returns the outcome and
    /// the refusal, if any (a button press shows it as an alert instead).
    func enqueue(
        _ request: RenderRequest, origin: TelegramOrigin, promptCut: Bool, connection: PostgresConnection,
        replyOnRefusal: Bool = true
    ) async throws -> (outcome: String, refusal: Rejection?) {
        let outcome = try await JobQueue(connection).enqueue(request, from: origin)
        return try await reply(to: outcome, origin: origin, promptCut: promptCut, connection: connection,
                               replyOnRefusal: replyOnRefusal)
    }

    /// Writes the acknowledgement of an enqueue, or its refusal. Returns the update's
    /// outcome and the refusal, if any.
    func reply(
        to outcome: EnqueueOutcome, origin: TelegramOrigin, promptCut: Bool, connection: PostgresConnection,
        replyOnRefusal: Bool = true
    ) async throws -> (outcome: String, refusal: Rejection?) {
        let message: BotMessage
        var jobID: Int64?
        var refusal: Rejection?
        let code: String
        switch outcome {
        case .accepted(let id, let position, let quota):
            message = .queued(position: position, remainingToday: quota.remainingToday)
            jobID = id
            code = "enqueued"
        case .duplicate(let id, _):
            return ("duplicate_job:\(id)", nil)
        case .banned:
            refusal = .banned
            message = .rejected(.banned)
            code = "refused:banned"
        case .dailyLimitReached(let usage):
            refusal = .dailyLimit(used: usage.usedToday, limit: usage.dailyLimit)
            message = .rejected(.dailyLimit(used: usage.usedToday, limit: usage.dailyLimit))
            code = "refused:daily_limit"
        case .queueFull(let usage):
            refusal = .queueFull(pending: usage.pending, max: usage.maxQueued)
            message = .rejected(.queueFull(pending: usage.pending, max: usage.maxQueued))
            code = "refused:queue_full"
        }
        if refusal == nil || replyOnRefusal {
            try await insertReply(message, to: origin, jobID: jobID, connection: connection)
        }
        // The warning gets a message of its own: the acknowledgement becomes the status
        // message, whose first progress edit would wipe it.
        if promptCut, let jobID {
            try await insertReply(.promptCut, to: origin, jobID: jobID, connection: connection)
        }
        return (code, refusal)
    }
}
