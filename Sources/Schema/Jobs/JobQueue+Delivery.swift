import Foundation

extension JobQueue {
    /// A rendered job claimed for sending, with what the photo's caption needs.
    public struct ClaimedDelivery: Sendable {
        public let lease: Lease
        public let chatID: Int64
        public let replyToMessageID: Int64?
        public let statusMessageID: Int64?
        public let languageCode: String?
        public let request: RenderRequest
        public let png: Data
        /// The safety checker flagged the image and its policy sends it behind a spoiler.
        public let spoiler: Bool
    }

    /// Claims at most `limit` rendered jobs, oldest first, leased to `owner`.
    public func claimDeliveries(owner: String, limit: Int, leaseSeconds: Double) async throws -> [ClaimedDelivery] {
        try await connection.query(EmbeddedSQL.Queries.claimDeliveries, owner, limit, leaseSeconds).map { row in
            ClaimedDelivery(
                lease: Lease(jobID: try row.decode("id"), owner: owner, attempt: try row.decode("delivery_attempt")),
                chatID: try row.decode("chat_id"), replyToMessageID: try row.decode("message_id"),
                statusMessageID: try row.decode("status_message_id"), languageCode: try row.decode("language_code"),
                request: try RenderRequest(row: row), png: try row.decode("image_png"),
                spoiler: try row.decode("spoiler", as: Bool?.self) ?? false)
        }.sorted { $0.lease.jobID < $1.lease.jobID }
    }

    /// Marks the photos delivered with Telegram's message ids, in one statement; drops
    /// the PNG bytes unless `keepImages`. Returns the ids finished: a job whose lease was
    /// lost meanwhile is left alone. A nil message id: Telegram confirmed the photo but its
    /// reply did not say which message it became.
    public func finishDeliveries(_ sent: [(lease: Lease, telegramMessageID: Int64?)], keepImages: Bool = false) async throws -> Set<Int64> {
        Set(try await finishDeliveriesWithLatency(sent, keepImages: keepImages).map(\.jobID))
    }

    /// `finishDeliveries`, returning each job finished with its model and how long it took
    /// from queued and from rendered to delivered.
    public func finishDeliveriesWithLatency(
        _ sent: [(lease: Lease, telegramMessageID: Int64?)], keepImages: Bool = false
    ) async throws -> [JobLatency] {
        // A lease of another owner in the list simply is not finished (the SQL checks $1).
        guard let owner = sent.first?.lease.owner else { return [] }
        let rows = try await connection.query(
            EmbeddedSQL.Queries.finishDeliveries, owner, sent.map(\.lease.jobID), sent.map(\.lease.attempt),
            PostgresTextArray(sent.map { $0.telegramMessageID.map(String.init) }), keepImages)
        return try rows.map(JobLatency.init(row:))
    }

    /// `finishDeliveries` for one photo; false when the lease was lost.
    public func finishDelivery(_ lease: Lease, telegramMessageID: Int64?, keepImage: Bool = false) async throws -> Bool {
        try await finishDeliveries([(lease, telegramMessageID)], keepImages: keepImage).contains(lease.jobID)
    }

    /// Renews a claimed delivery's lease to `seconds` from now; asked right before each
    /// send, so a send never starts on a lease that was lost or could run out mid-send.
    /// False when the lease was lost (the rescuer handed the job back; it may be claimed
    /// again or delivered already): the photo is someone else's to send now.
    public func renewDeliveryLease(_ lease: Lease, seconds: Double) async throws -> Bool {
        !(try await connection.query(
            EmbeddedSQL.Queries.renewDeliveryLease, lease.owner, lease.jobID, lease.attempt, seconds)).isEmpty
    }

    /// Marks delivered a photo Telegram confirmed after its lease was lost (it ran out
    /// during a slow send or while the database was away, and the rescuer handed the job
    /// back): the photo went out, so it must not go out again. Finishes the job while it
    /// is back in line or claimed again by a later attempt, and returns it with its
    /// latencies; nil when it was delivered (or failed) meanwhile.
    public func finishDeliveryWithoutLease(_ lease: Lease, telegramMessageID: Int64?, keepImage: Bool = false) async throws -> JobLatency? {
        try await connection.query(
            EmbeddedSQL.Queries.finishDeliveryWithoutLease, lease.jobID, lease.attempt, telegramMessageID, keepImage
        ).first.map(JobLatency.init(row:))
    }

    /// Records a failed send: back to `rendered` after a backoff while attempts remain and
    /// `retryable`; else failed (with a notice to the user only if `retryable`, since a
    /// permanent error such as a blocked bot leaves nobody to tell).
    public func failDelivery(_ lease: Lease, error: String, retryable: Bool, policy: RetryPolicy = RetryPolicy()) async throws -> JobState? {
        let rows = try await connection.query(
            EmbeddedSQL.Queries.failDelivery, lease.jobID, lease.owner, lease.attempt, error, retryable,
            policy.backoff(afterAttempt: lease.attempt))
        return try rows.first?.decode("new_state", as: JobState?.self)
    }
}
