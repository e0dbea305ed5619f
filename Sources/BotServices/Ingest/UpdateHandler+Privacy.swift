import Bot
import Schema
import Telegram

/// /privacy and the /forget confirmation. The windows /privacy quotes are the ones Deliver
/// published (`retention_policy`), so the text says what is enforced.
extension UpdateHandler {
    func privacyLine(connection: PostgresConnection) async throws -> PrivacyLine {
        let policy = try await JobQueue(connection).retentionPolicy()
        return PrivacyLine(keepImagesSeconds: Int(policy.keepImagesFor.seconds.rounded()),
                           keepPromptsSeconds: Int(policy.keepPromptsFor.seconds.rounded()))
    }

    /// The /forget button, pressed: erases the data of `userID` if the presser is that user
    /// (in a group anyone sees the button), in this update's transaction, and answers with
    /// what was erased in place of the confirmation (the edit also removes its button).
    func handleForget(_ query: CallbackQuery, confirmedFor userID: Int64, connection: PostgresConnection) async throws -> Handled {
        let table = Texts.table(BotLanguage(languageCode: query.from.languageCode))
        guard query.from.id == userID else {
            return Handled(outcome: "callback:forget_not_yours",
                           callbackAnswer: CallbackAnswer(id: query.id, text: table.rejection(.notYourButton), showAlert: true))
        }
        let erased = try await JobQueue(connection).forgetUser(userID)
        let line = ForgetLine(prompts: erased.prompts, images: erased.images, cancelled: erased.cancelled,
                              quotes: erased.messages, settings: erased.settings)
        let message = BotMessage.forgotten(line)
        // An inaccessible message (date 0) cannot be edited: the answer goes out as a new one.
        let confirmation = query.message.flatMap { $0.date == 0 ? nil : Int64($0.messageID) }
        // The language of the press, which forget_user just erased from the user's row.
        try await JobQueue(connection).insertReply(OutboxMessage(
            chatID: query.message?.chat.id ?? userID, editMessageID: confirmation, languageCode: query.from.languageCode,
            kind: message.kind, argsJSON: message.argsJSON), userID: userID)
        return Handled(outcome: "callback:forgotten",
                       callbackAnswer: CallbackAnswer(id: query.id, text: table.buttonForgotten, showAlert: false))
    }
}
