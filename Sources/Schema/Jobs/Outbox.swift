import Foundation

/// Messages the bot owes users besides photos. `kind` and `args` are turned into text
/// in the user's language by Deliver, so every bot text lives in one place.
public struct OutboxMessage: Sendable, Equatable {
    public var chatID: Int64
    public var jobID: Int64?
    public var replyToMessageID: Int64?
    /// Set to edit this earlier message (editMessageText) instead of sending a new one.
    public var editMessageID: Int64?
    public var languageCode: String?
    public var kind: String
    /// A JSON object; never put a prompt here (purge_prompts does not reach it).
    public var argsJSON: String

    public init(chatID: Int64, jobID: Int64? = nil, replyToMessageID: Int64? = nil, editMessageID: Int64? = nil,
                languageCode: String? = nil, kind: String, argsJSON: String = "{}") {
        self.chatID = chatID
        self.jobID = jobID
        self.replyToMessageID = replyToMessageID
        self.editMessageID = editMessageID
        self.languageCode = languageCode
        self.kind = kind
        self.argsJSON = argsJSON
    }
}

extension JobQueue {
    public struct ClaimedOutbox: Sendable {
        public let id: Int64
        public let owner: String
        public let attempt: Int
        public let message: OutboxMessage
    }

    /// Adds a message; call inside the transaction of the state change it reports.
    @discardableResult
    public func insertOutbox(_ message: OutboxMessage) async throws -> Int64 {
        let rows = try await connection.query(
            EmbeddedSQL.Queries.insertOutbox, message.chatID, message.jobID, message.replyToMessageID,
            message.editMessageID, message.languageCode, message.kind, message.argsJSON)
        guard let id: Int64 = try rows.first?.decode("id") else {
            throw PostgresError(.decoding, message: "outbox insert returned no id")
        }
        return id
    }

    /// Claims at most `limit` due messages, each the oldest unsent of its chat.
    public func claimOutbox(owner: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedOutbox] {
        try await connection.query(EmbeddedSQL.Queries.claimOutbox, owner, limit, leaseSeconds).map { row in
            ClaimedOutbox(
                id: try row.decode("id"), owner: owner, attempt: try row.decode("attempt"),
                message: OutboxMessage(
                    chatID: try row.decode("chat_id"), jobID: try row.decode("job_id"),
                    replyToMessageID: try row.decode("reply_to_message_id"),
                    editMessageID: try row.decode("edit_message_id"), languageCode: try row.decode("language_code"),
                    kind: try row.decode("kind"), argsJSON: try row.decode("args")))
        }.sorted { $0.id < $1.id }
    }

    /// Marks a claimed message sent; false when its lease was lost meanwhile.
    public func finishOutbox(_ claimed: ClaimedOutbox, telegramMessageID: Int64?) async throws -> Bool {
        !(try await connection.query(
            EmbeddedSQL.Queries.finishOutbox, claimed.id, claimed.owner, claimed.attempt, telegramMessageID)).isEmpty
    }

    /// `renewDeliveryLease` for a message: false when its lease was lost.
    public func renewOutboxLease(_ claimed: ClaimedOutbox, seconds: Double) async throws -> Bool {
        !(try await connection.query(
            EmbeddedSQL.Queries.renewOutboxLease, claimed.id, claimed.owner, claimed.attempt, seconds)).isEmpty
    }

    /// `finishDeliveryWithoutLease` for a message Telegram confirmed after its lease was
    /// lost: sent, unless it was sent (or failed) meanwhile.
    public func finishOutboxWithoutLease(_ claimed: ClaimedOutbox, telegramMessageID: Int64?) async throws -> Bool {
        !(try await connection.query(
            EmbeddedSQL.Queries.finishOutboxWithoutLease, claimed.id, claimed.attempt, telegramMessageID)).isEmpty
    }

    /// Records a failed send; returns the row's new state ("pending" or "failed"), nil when not owned.
    public func failOutbox(_ claimed: ClaimedOutbox, error: String, retryable: Bool, policy: RetryPolicy = RetryPolicy()) async throws -> String? {
        try await connection.query(
            EmbeddedSQL.Queries.failOutbox, claimed.id, claimed.owner, claimed.attempt, error, retryable,
            policy.backoff(afterAttempt: claimed.attempt)
        ).first?.decode("state")
    }
}
