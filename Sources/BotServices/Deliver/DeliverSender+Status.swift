import Bot
import Foundation
import Runtime
import Schema
import Telegram

/// Status messages: the acknowledgement edited with the job's progress, until a live
/// preview arrives. The first preview goes out as a photo replying to the request, and the
/// text message is deleted; from then on the photo's caption carries the progress, later
/// previews replace its picture, and the finished image replaces the last preview
/// (`replacePreview`), so the chat ends with one photo.
extension DeliverSender {
    func editStatus(_ due: PostgresConnection.StatusDue, _ item: inout DeliverItem) async -> DeliverOutcome {
        guard let key = StatusKey(due.key) else {
            await record("status") { try await connection.setStatusShown(jobID: due.jobID, key: due.key, final: true) }
            return .finished(sent: false)
        }
        if case .preview = key { return await showPreview(due, key, &item) }
        let text = Texts.status(key, remainingToday: due.remainingToday, language: BotLanguage(languageCode: due.languageCode))
        guard let photoID = due.previewMessageID else {
            let result = await attempt(&item, allowMigration: false) { chatID, _ in
                try await client.editMessageText(chatID: chatID, messageID: Int(due.messageID), text: text)
            }
            return await settleStatus(result, due, key, &item)
        }
        switch key {
        case .rendered, .delivered:
            // The image itself is on its way into (or already in) the photo.
            await record("status") { try await connection.setStatusShown(jobID: due.jobID, key: due.key, final: key.isFinal) }
            return .finished(sent: true)
        case .failed, .cancelled:
            // No image will take the preview's place (a blocked one must not stay half-shown):
            // the preview goes, and the notice that follows tells why. A photo that cannot be
            // deleted gets the status as its caption instead.
            if (try? await client.deleteMessage(chatID: item.chatID, messageID: Int(photoID))) == true {
                await record("status") { try await connection.setStatusShown(jobID: due.jobID, key: due.key, final: true) }
                return .finished(sent: true)
            }
            let result = await attempt(&item, allowMigration: false) { chatID, _ in
                try await client.editMessageCaption(chatID: chatID, messageID: Int(photoID), caption: text)
            }
            return await settleStatus(result, due, key, &item)
        default:
            let result = await attempt(&item, allowMigration: false) { chatID, _ in
                try await client.editMessageCaption(chatID: chatID, messageID: Int(photoID), caption: text)
            }
            return await settleStatus(result, due, key, &item)
        }
    }

    /// Shows the job's newest preview: a new photo the first time, then in that photo.
    private func showPreview(_ due: PostgresConnection.StatusDue, _ key: StatusKey, _ item: inout DeliverItem) async -> DeliverOutcome {
        let preview: PostgresConnection.PreviewState?
        do {
            preview = try await connection.previewToShow(due.jobID)
        } catch {
            return .finished(sent: false)  // the next round asks again
        }
        // Read again just now: a job that finished meanwhile has no preview to show, and its
        // photo may already hold the image.
        guard let preview, preview.rendering, let png = preview.png, let step = preview.step else { return .finished(sent: false) }
        let caption = Texts.status(key, remainingToday: due.remainingToday, language: BotLanguage(languageCode: due.languageCode))
        let photo = InputFile.png(png, fileName: "lienzo-\(due.jobID)-step\(step).png")
        if let photoID = preview.messageID {
            let result = await attempt(&item, allowMigration: false) { chatID, _ in
                try await client.editMessageMedia(
                    chatID: chatID, messageID: Int(photoID), media: InputMediaPhoto(media: photo, caption: caption, hasSpoiler: preview.spoiler))
            }
            if case .editTargetGone = result {
                await record("preview gone") { try await connection.forgetPreviewMessage(jobID: due.jobID) }
                return .finished(sent: false)
            }
            return await settleStatus(result, due, key, &item) {
                try await connection.setPreviewShown(jobID: due.jobID, messageID: photoID, step: step, key: due.key)
            }
        }
        item.replyTo = due.requestMessageID
        let result = await attempt(&item, allowMigration: false) { chatID, reply in
            try await client.sendPhoto(chatID: chatID, photo: photo, caption: caption, hasSpoiler: preview.spoiler, replyParameters: reply)
        }
        guard case .sent(let sentID) = result else { return await settleStatus(result, due, key, &item) }
        guard let sentID else {
            // Sent, but its id did not come back: it cannot be edited, so nothing more is shown in it.
            await record("preview") { try await connection.forgetPreviewMessage(jobID: due.jobID) }
            return .finished(sent: true)
        }
        await record("preview") { try await connection.setPreviewShown(jobID: due.jobID, messageID: sentID, step: step, key: due.key) }
        // The photo now tells the progress; the text message would only repeat it. Best
        // effort: a text that cannot be deleted (too old, already gone) is left as it is.
        _ = try? await client.deleteMessage(chatID: item.chatID, messageID: Int(due.messageID))
        return .finished(sent: true)
    }

    /// The image replaces the job's preview photo, when there is one. Nil: no preview photo,
    /// or it is gone or refused the image; send a new photo instead.
    func replacePreview(
        of delivery: JobQueue.ClaimedDelivery, caption: String, buttons: InlineKeyboardMarkup, _ item: inout DeliverItem
    ) async -> SendAttempt? {
        let jobID = delivery.lease.jobID
        let png = delivery.png
        let photoID: Int64
        do {
            guard let id = try await connection.previewToShow(jobID)?.messageID else { return nil }
            photoID = id
        } catch {
            // Without knowing, a new photo could make a second one: wait for the database.
            return .transient(reason: "database unavailable")
        }
        let result = await attempt(holding: .photo(delivery.lease), &item, allowMigration: false) { chatID, _ in
            try await client.editMessageMedia(
                chatID: chatID, messageID: Int(photoID),
                media: InputMediaPhoto(media: .png(png, fileName: "lienzo-\(jobID).png"), caption: caption, hasSpoiler: delivery.spoiler),
                replyMarkup: buttons)
        }
        switch result {
        case .sent(let messageID): return .sent(messageID: messageID ?? photoID)
        case .alreadyShown: return .sent(messageID: photoID)  // a previous attempt already put it there
        case .editTargetGone, .failed: return nil
        case .tooManyRequests, .undeliverable, .transient, .leaseLost: return result
        }
    }

    /// Records what a status edit led to; `shown` records a success (by default, the key).
    private func settleStatus(
        _ result: SendAttempt, _ due: PostgresConnection.StatusDue, _ key: StatusKey, _ item: inout DeliverItem,
        shown: (() async throws -> Void)? = nil
    ) async -> DeliverOutcome {
        let markShown = shown ?? { try await connection.setStatusShown(jobID: due.jobID, key: due.key, final: key.isFinal) }
        switch result {
        case .sent, .alreadyShown:
            await record("status") { try await markShown() }
            return .finished(sent: true)
        case .tooManyRequests(let retryAfter):
            return .tooManyRequests(retryAfter: retryAfter)
        case .undeliverable(let reason):
            await record("undeliverable") {
                try await connection.markChatUndeliverable(item.chatID, reason: reason)
                try await connection.setStatusShown(jobID: due.jobID, key: due.key, final: true)
            }
            return .chatUndeliverable
        case .transient, .leaseLost:
            // Comes back in the next round of due statuses (status edits hold no lease).
            return .finished(sent: false)
        case .failed, .editTargetGone:
            await record("status") { try await connection.setStatusShown(jobID: due.jobID, key: due.key, final: true) }
            return .finished(sent: false)
        }
    }
}
