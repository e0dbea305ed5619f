extension JobQueue {
    /// What /forget erased for one user.
    public struct Forgotten: Sendable, Equatable {
        /// Jobs whose prompt (and negative prompt) was still kept.
        public var prompts: Int
        /// Jobs whose PNG was still kept (a photo being sent loses it when the send ends).
        public var images: Int
        /// Queued, rendering or rendered jobs cancelled.
        public var cancelled: Int
        /// Replies whose quotes of the user's words were blanked.
        public var messages: Int
        /// Refused requests no longer naming the user.
        public var refusals: Int
        /// The user's settings (their `users` row, or its language) were forgotten.
        public var settings: Bool

        public init(prompts: Int, images: Int, cancelled: Int, messages: Int, refusals: Int, settings: Bool) {
            self.prompts = prompts
            self.images = images
            self.cancelled = cancelled
            self.messages = messages
            self.refusals = refusals
            self.settings = settings
        }
    }

    /// Erases what Lienzo holds about `userID`, keeping only what quotas and bans need
    /// (`forget_user` in sql/migrations/0013_privacy.sql). Call inside the transaction of
    /// the confirmation.
    public func forgetUser(_ userID: Int64) async throws -> Forgotten {
        guard let row = try await connection.query(EmbeddedSQL.Queries.forgetUser, userID).first else {
            throw PostgresError(.decoding, message: "forget_user returned no row")
        }
        return Forgotten(
            prompts: try row.decode("prompts_erased"), images: try row.decode("images_erased"),
            cancelled: try row.decode("requests_cancelled"), messages: try row.decode("messages_erased"),
            refusals: try row.decode("refusals_anonymized"), settings: try row.decode("settings_erased"))
    }

    /// `insertOutbox` for an answer to a user's message, recording the user so that
    /// /forget finds what it may quote of their words (in a group too).
    @discardableResult
    public func insertReply(_ message: OutboxMessage, userID: Int64) async throws -> Int64 {
        let rows = try await connection.query(
            EmbeddedSQL.Queries.insertReply, message.chatID, message.jobID, message.replyToMessageID,
            message.editMessageID, message.languageCode, message.kind, message.argsJSON, userID)
        guard let id: Int64 = try rows.first?.decode("id") else {
            throw PostgresError(.decoding, message: "outbox insert returned no id")
        }
        return id
    }
}
