import Bot
import Foundation
import Logging
import Runtime
import Schema
import Telegram

/// One sending slot: a Bot API connection and a database connection of its own, so a
/// send and the bookkeeping after it never wait for the others. A send is recorded in
/// the database right after Telegram confirms it, with Telegram's message_id; photos
/// confirmed while another slot is recording its own are recorded together with it
/// (`deliveredPhotos`, a group commit shared by the slots). A send starts only on a lease
/// the database just renewed, and a confirmed one is recorded however long the database
/// is away and even when the lease ran out meanwhile (DeliverSender+Leases).
struct DeliverSender: Sendable {
    let client: TelegramClient
    let connection: PostgresConnection
    let configuration: DeliverConfiguration
    let tokenCounter: any PromptTokenCounter
    let deliveredPhotos: GroupCommit<DeliveredPhoto, JobLatency?>
    let logger: Logger

    typealias DeliveredPhoto = (lease: JobQueue.Lease, telegramMessageID: Int64?)

    var queue: JobQueue { JobQueue(connection) }

    func send(_ item: DeliverItem) async -> DeliverOutcome {
        var item = item
        switch item.work {
        case .outbox(let claimed): return await sendOutbox(claimed, &item)
        case .photo(let delivery): return await sendPhoto(delivery, &item)
        case .status(let due): return await editStatus(due, &item)
        }
    }

    // MARK: Outbox

    private func sendOutbox(_ claimed: JobQueue.ClaimedOutbox, _ item: inout DeliverItem) async -> DeliverOutcome {
        let message = claimed.message
        guard var botMessage = BotMessage(kind: message.kind, argsJSON: message.argsJSON) else {
            await record("unknown kind") {
                _ = try await queue.failOutbox(claimed, error: "unknown kind \(message.kind)", retryable: false)
            }
            return .finished(sent: false)
        }
        let language = BotLanguage(languageCode: message.languageCode)
        var document: Data?
        var text = ""
        do {
            if case .document = botMessage, let jobID = message.jobID {
                document = try await connection.jobImage(jobID)
                if document == nil { text = Texts.table(language).rejection(.imageUnavailable) }
            } else {
                var cut: String?
                if case .promptCut = botMessage, let jobID = message.jobID, let prompt = try await connection.jobPrompt(jobID) {
                    cut = tokenCounter.split(GenerationLimits.clipText(of: prompt)).cut
                }
                // The prompts are read now, never kept in the row's args (see JobStatusLine).
                if case .status(let lines) = botMessage {
                    let starts = try await connection.jobPromptStarts(lines.map(\.jobID))
                    botMessage = .status(lines.map { line in
                        var line = line
                        line.promptStart = starts[line.jobID]
                        return line
                    })
                }
                text = Texts.text(botMessage, language: language, cutPrompt: cut)
            }
        } catch {
            // The database is away; the lease brings the row back.
            logger.warning("could not prepare a message", metadata: [LogKey.error: "\(error)"])
            return .finished(sent: false)
        }
        // A prompt erased since, or nothing cut after all: the warning has nothing to say.
        if case .promptCut = botMessage, text.isEmpty {
            await record("empty warning") { _ = try await queue.finishOutbox(claimed, telegramMessageID: nil) }
            return .finished(sent: false)
        }
        if text.isEmpty && document == nil { text = "…" }
        let editID = message.editMessageID
        let fileName = "lienzo-\(message.jobID ?? claimed.id).png"
        let result = await attempt(holding: .outbox(claimed), &item, allowMigration: editID == nil) { chatID, reply in
            if let document {
                return try await client.sendDocument(chatID: chatID, document: .png(document, fileName: fileName), replyParameters: reply)
            }
            if let editID {
                return try await client.editMessageText(chatID: chatID, messageID: Int(editID), text: text)
            }
            // The /forget confirmation carries its one button (`Texts.replyMarkup`).
            return try await client.sendMessage(
                chatID: chatID, text: text, replyParameters: reply, replyMarkup: Texts.replyMarkup(botMessage, language: language))
        }
        switch result {
        case .sent(let messageID):
            await recordSent(claimed, telegramMessageID: messageID) { connection in
                if case .queued = botMessage, let jobID = message.jobID, let messageID {
                    try await connection.setStatusMessage(jobID: jobID, messageID: messageID, shown: "queued")
                }
            }
            return .finished(sent: true)
        case .alreadyShown:
            await record("shown edit") { _ = try await queue.finishOutbox(claimed, telegramMessageID: nil) }
            return .finished(sent: true)
        case .tooManyRequests(let retryAfter):
            return .tooManyRequests(retryAfter: retryAfter)
        case .undeliverable(let reason):
            await record("undeliverable") {
                try await connection.markChatUndeliverable(item.chatID, reason: reason)
                _ = try await queue.failOutbox(claimed, error: reason, retryable: false)
            }
            return .chatUndeliverable
        case .transient(let reason):
            await record("transient failure") {
                _ = try await queue.failOutbox(claimed, error: reason, retryable: true, policy: configuration.databaseRetry)
            }
            return .finished(sent: false)
        case .failed(let reason):
            await record("failure") { _ = try await queue.failOutbox(claimed, error: reason, retryable: false) }
            return .finished(sent: false)
        case .editTargetGone:
            await record("failure") { _ = try await queue.failOutbox(claimed, error: "message to edit gone", retryable: false) }
            return .finished(sent: false)
        case .leaseLost:
            return .finished(sent: false)
        }
    }

    // MARK: Photos

    private func sendPhoto(_ delivery: JobQueue.ClaimedDelivery, _ item: inout DeliverItem) async -> DeliverOutcome {
        let jobID = delivery.lease.jobID
        let language = BotLanguage(languageCode: delivery.languageCode)
        let caption = Caption.make(delivery.request)
        let buttons = Texts.photoButtons(jobID: jobID, language: language)
        // The image takes the place of its live preview when one was shown; when that photo
        // is gone or cannot take it, the image goes out as a new photo. Each send asks first
        // whether the lease still holds (`attempt(holding:)`).
        var result: SendAttempt
        if let replaced = await replacePreview(of: delivery, caption: caption, buttons: buttons, &item) {
            result = replaced
        } else {
            result = await attempt(holding: .photo(delivery.lease), &item) { chatID, reply in
                try await client.sendPhoto(
                    chatID: chatID, photo: .png(delivery.png, fileName: "lienzo-\(jobID).png"), caption: caption,
                    hasSpoiler: delivery.spoiler, replyParameters: reply, replyMarkup: buttons)
            }
        }
        // Telegram refuses some images as photos (PHOTO_INVALID_DIMENSIONS, too large for a
        // photo); the same PNG as a file still reaches the user, and its outcome is handled
        // below like the photo's (a 429 or 5xx on it waits or retries, it does not fail).
        var refusedAsPhoto: String?
        if case .failed(let reason) = result {
            refusedAsPhoto = reason
            result = await attempt(holding: .photo(delivery.lease), &item) { chatID, reply in
                try await client.sendDocument(
                    chatID: chatID, document: .png(delivery.png, fileName: "lienzo-\(jobID).png"), caption: caption,
                    replyParameters: reply, replyMarkup: buttons)
            }
        }
        switch result {
        case .sent(let messageID):
            await recordDelivered(delivery.lease, telegramMessageID: messageID)
            return .finished(sent: true)
        case .tooManyRequests(let retryAfter):
            return .tooManyRequests(retryAfter: retryAfter)
        case .undeliverable(let reason):
            await record("undeliverable") {
                try await connection.markChatUndeliverable(item.chatID, reason: reason)
                _ = try await queue.failDelivery(delivery.lease, error: reason, retryable: false)
            }
            return .chatUndeliverable
        case .transient(let reason):
            await record("transient failure") {
                _ = try await queue.failDelivery(delivery.lease, error: reason, retryable: true, policy: configuration.databaseRetry)
            }
            return .finished(sent: false)
        case .failed(let reason):
            let error = refusedAsPhoto.map { "\($0); as a file: \(reason)" } ?? reason
            await record("failure") { _ = try await queue.failDelivery(delivery.lease, error: error, retryable: false) }
            return .finished(sent: false)
        case .alreadyShown, .editTargetGone:
            await record("failure") { _ = try await queue.failDelivery(delivery.lease, error: "unexpected reply", retryable: false) }
            return .finished(sent: false)
        case .leaseLost:
            return .finished(sent: false)
        }
    }
}
