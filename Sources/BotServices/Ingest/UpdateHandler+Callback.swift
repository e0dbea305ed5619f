import Bot
import Schema
import Telegram

extension UpdateHandler {
    /// A press on one of the bot's buttons. The answer (the spinner's notice) is made after
    /// the commit; a refused request shows as an alert there, not as a message.
    func handleCallback(_ query: CallbackQuery, updateID: Int64, connection: PostgresConnection) async throws -> Handled {
        guard let data = query.data.flatMap(CallbackData.init) else {
            let table = Texts.table(BotLanguage(languageCode: query.from.languageCode))
            return Handled(outcome: "callback:unknown",
                           callbackAnswer: CallbackAnswer(id: query.id, text: table.rejection(.unknownButton), showAlert: false))
        }
        guard try await isServed(userID: query.from.id, chatID: query.message?.chat.id ?? query.from.id, connection: connection) else {
            let table = Texts.table(BotLanguage(languageCode: query.from.languageCode))
            return Handled(outcome: "refused:not_allowed",
                           callbackAnswer: CallbackAnswer(id: query.id, text: table.notAllowed, showAlert: true))
        }
        switch data.action {
        case .forget:
            // Its number is the id of the user who asked, not a job's.
            return try await handleForget(query, confirmedFor: data.jobID, connection: connection)
        case .sendAsFile, .newSeed, .moreSteps:
            return try await handlePhotoButton(data, query: query, updateID: updateID, connection: connection)
        }
    }

    /// A press on a button under a delivered photo.
    private func handlePhotoButton(
        _ data: CallbackData, query: CallbackQuery, updateID: Int64, connection: PostgresConnection
    ) async throws -> Handled {
        let table = Texts.table(BotLanguage(languageCode: query.from.languageCode))
        func answer(_ outcome: String, _ text: String, alert: Bool = false) -> Handled {
            Handled(outcome: outcome, callbackAnswer: CallbackAnswer(id: query.id, text: text, showAlert: alert))
        }
        guard let job = try await connection.jobForCallback(data.jobID), !job.purged else {
            return answer("callback:job_unavailable", table.rejection(.jobUnavailable), alert: true)
        }
        // Where the press happened; the job's own chat when the message is inaccessible.
        let chatID = query.message?.chat.id ?? job.chatID
        let photoMessageID = query.message.flatMap { $0.date == 0 ? nil : Int64($0.messageID) }
        if data.action == .sendAsFile {
            guard job.hasImage else {
                // Retention dropped the PNG (LIENZO_KEEP_IMAGES_FOR): say so, and for how long one is kept.
                let kept = try await JobQueue(connection).retentionPolicy().keepImagesFor.seconds
                return answer("callback:image_expired", table.rejection(.imageExpired(keptSeconds: Int(kept.rounded()))), alert: true)
            }
            try await JobQueue(connection).insertOutbox(OutboxMessage(
                chatID: chatID, jobID: job.id, replyToMessageID: photoMessageID, languageCode: query.from.languageCode,
                kind: BotMessage.document.kind, argsJSON: BotMessage.document.argsJSON))
            return answer("callback:file", table.buttonSendingFile)
        }
        // New seed or more steps: on this deployment's model and within its limits today,
        // whatever the old job used: its profile may have changed since (fewer steps,
        // another sampler).
        var request = router.limits.fitted(job.request)
        if data.action == .newSeed {
            request.seed = Int64.random(in: 0...GenerationLimits.maxSeed)
        } else {
            request.steps = min(router.limits.maxSteps, request.steps + router.limits.moreSteps)
        }
        let origin = TelegramOrigin(updateID: updateID, chatID: chatID, userID: query.from.id,
                                    messageID: photoMessageID, languageCode: query.from.languageCode)
        // The prompt was accepted once, but an operator may have added a rule since: a
        // button makes a new image, so it is checked (and counted) as a new request.
        if let refusal = try await promptRuleRefusal(request, origin: origin, connection: connection) {
            return answer("callback:rejected:" + refusal.code, table.rejection(refusal), alert: true)
        }
        // The job's LoRAs may have been hidden or removed since, or not exist for this model.
        if let refusal = try await loraRefusal(request, connection: connection) {
            return answer("callback:rejected:" + refusal.code, table.rejection(refusal), alert: true)
        }
        let result = try await enqueue(request, origin: origin, promptCut: false, connection: connection, replyOnRefusal: false)
        if let refusal = result.refusal {
            return answer("callback:" + result.outcome, table.rejection(refusal), alert: true)
        }
        return answer("callback:" + result.outcome, table.buttonQueued)
    }
}
