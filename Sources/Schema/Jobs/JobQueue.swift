import Foundation

/// The queue operations of the work table, each one statement or one transaction,
/// over a connection the caller owns. The render cycle lives here; delivery and the
/// outbox are in the extensions beside it.
public struct JobQueue: Sendable {
    public let connection: PostgresConnection

    public init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    public var channels: QueueChannels { QueueChannels(schema: connection.configuration.schema) }

    /// A claim's proof of ownership: a finish, failure or heartbeat counts only while the
    /// job is still leased to this owner for this attempt.
    public struct Lease: Sendable, Hashable {
        public let jobID: Int64
        public let owner: String
        public let attempt: Int
    }

    public struct ClaimedJob: Sendable {
        public let lease: Lease
        public let maxAttempts: Int
        public let origin: TelegramOrigin
        public let request: RenderRequest
        public let createdAt: Date
        /// The chat's row in `chat_nsfw_policies`, which wins over the Renderer's policy.
        public let chatNSFWPolicy: NSFWPolicy?
        /// Seconds from queued to this claim, by the database's clock, on the job's first
        /// claim; nil when a retry, a rescued lease or a released batch brings it back.
        public let queueWait: Double?
    }

    /// Cancels the user's queued jobs (or just `jobID` if given, when it is theirs).
    /// Returns the ids cancelled.
    public func cancelQueued(userID: Int64, jobID: Int64? = nil) async throws -> [Int64] {
        try await connection.query(EmbeddedSQL.Queries.cancelQueuedJobs, userID, jobID).map { try $0.decode("id") }
    }

    /// /cancel: the user's queued jobs and the ones being rendered (or just `jobID`, when it
    /// is theirs); a rendering job's result is then dropped by its Renderer.
    public func cancel(userID: Int64, jobID: Int64? = nil) async throws -> [(id: Int64, wasRendering: Bool)] {
        try await connection.query(EmbeddedSQL.Queries.cancelJobs, userID, jobID).map {
            (try $0.decode("id"), try $0.decode("was_rendering"))
        }
    }

    // MARK: Render cycle

    /// Claims at most `limit` queued jobs of `model` that share the batch key of the
    /// oldest one, leased to `owner` for `leaseSeconds`; fewer when batch × width × height
    /// would pass `maxPixels` (one job is always claimed).
    public func claimRenderBatch(
        owner: String, model: String, limit: Int, leaseSeconds: Double, maxPixels: Int = Int(Int32.max)
    ) async throws -> [ClaimedJob] {
        let rows = try await connection.query(EmbeddedSQL.Queries.claimRenderBatch, owner, model, limit, leaseSeconds, maxPixels)
        return try rows.map { row in
            ClaimedJob(
                lease: Lease(jobID: try row.decode("id"), owner: owner, attempt: try row.decode("attempt")),
                maxAttempts: try row.decode("max_attempts"),
                origin: TelegramOrigin(updateID: try row.decode("update_id"), chatID: try row.decode("chat_id"),
                                       userID: try row.decode("user_id"), messageID: try row.decode("message_id"),
                                       languageCode: try row.decode("language_code")),
                request: try RenderRequest(row: row),
                createdAt: try row.decode("created_at"),
                chatNSFWPolicy: try row.decode("chat_nsfw_policy", as: String?.self).flatMap(NSFWPolicy.init(rawValue:)),
                queueWait: try row.decode("queue_wait_seconds"))
        }.sorted { $0.lease.jobID < $1.lease.jobID }
    }

    /// Heartbeat (and progress) for leases of one owner; returns the job ids still owned.
    public func extendRenderLeases(_ leases: [Lease], leaseSeconds: Double, step: Int = 0) async throws -> Set<Int64> {
        guard let owner = leases.first?.owner else { return [] }
        let rows = try await connection.query(
            EmbeddedSQL.Queries.extendRenderLeases, owner, leases.map(\.jobID), leases.map(\.attempt), leaseSeconds, step)
        return Set(try rows.map { try $0.decode("id", as: Int64.self) })
    }

    /// Stores each PNG (and its SHA-256) and marks the jobs rendered, in one statement.
    /// Returns the ids finished: a job whose lease was lost meanwhile (rescued, cancelled)
    /// is left alone and its result must be dropped.
    public func finishRenders(_ results: [(lease: Lease, png: Data)]) async throws -> Set<Int64> {
        try await finishRenders(results.map { RenderResult(lease: $0.lease, png: $0.png) })
    }

    /// The same with the safety checker's verdicts: a flagged image is stored with the
    /// action its policy took (spoiler or allowed). Blocked images go to `blockRenders`.
    public func finishRenders(_ results: [RenderResult]) async throws -> Set<Int64> {
        Set(try await finishRendersWithLatency(results).map(\.jobID))
    }

    /// `finishRenders`, returning each job finished with its model and how long it took
    /// from queued to rendered.
    public func finishRendersWithLatency(_ results: [RenderResult]) async throws -> [JobLatency] {
        // A lease of another owner in the list simply is not finished (the SQL checks $1).
        guard let owner = results.first?.lease.owner else { return [] }
        let rows = try await connection.query(
            EmbeddedSQL.Queries.finishRenders, owner, results.map(\.lease.jobID), results.map(\.lease.attempt),
            PostgresByteaArray(results.map(\.png)), PostgresTextArray(results.map { $0.safety.map { String($0.nsfw) } }),
            PostgresTextArray(results.map { $0.safety.map { String($0.margin) } }),
            PostgresTextArray(results.map { $0.safety?.nsfw == true ? $0.policy.action : nil }))
        return try rows.map(JobLatency.init(row:))
    }

    /// Fails jobs whose flagged image the policy blocks, keeping only the image's hash, with
    /// a notice to the user; `autoBanAfter` > 0 bans a user with that many blocked images in
    /// 24 hours. Returns the ids blocked (a lease lost meanwhile is left alone).
    public func blockRenders(_ results: [RenderResult], autoBanAfter: Int = 0) async throws -> Set<Int64> {
        guard let owner = results.first?.lease.owner else { return [] }
        let rows = try await connection.query(
            EmbeddedSQL.Queries.blockRenders, owner, results.map(\.lease.jobID), results.map(\.lease.attempt),
            PostgresByteaArray(results.map(\.png)), PostgresTextArray(results.map { $0.safety.map { String($0.margin) } }),
            autoBanAfter)
        return Set(try rows.map { try $0.decode("id", as: Int64.self) })
    }

    /// Stores the live preview of each job at `step` (the latest replaces the one before)
    /// while its lease holds, behind a spoiler where `spoiler` says; returns the ids stored.
    @discardableResult
    public func storePreviews(_ previews: [(lease: Lease, png: Data)], step: Int, spoiler: [Bool] = []) async throws -> Set<Int64> {
        guard let owner = previews.first?.lease.owner else { return [] }
        let spoilers = previews.indices.map { $0 < spoiler.count && spoiler[$0] }
        let rows = try await connection.query(
            EmbeddedSQL.Queries.storePreviews, owner, previews.map(\.lease.jobID), previews.map(\.lease.attempt), step,
            PostgresByteaArray(previews.map(\.png)), PostgresTextArray(spoilers.map { String($0) }))
        return Set(try rows.map { try $0.decode("job_id", as: Int64.self) })
    }

    /// `finishRenders` for one job; false when the lease was lost.
    public func finishRender(_ lease: Lease, png: Data) async throws -> Bool {
        try await finishRenders([(lease, png)]).contains(lease.jobID)
    }

    /// Records a failed attempt: re-queued after the policy's backoff while attempts remain
    /// and `retryable`, else failed with a notice to the user. Nil when not owned.
    public func failRender(_ lease: Lease, error: String, retryable: Bool, policy: RetryPolicy = RetryPolicy()) async throws -> JobState? {
        let rows = try await connection.query(
            EmbeddedSQL.Queries.failRender, lease.jobID, lease.owner, lease.attempt, error, retryable,
            policy.backoff(afterAttempt: lease.attempt))
        return try rows.first?.decode("new_state", as: JobState?.self)
    }

    /// Hands leased jobs back to the queue without spending an attempt (graceful shutdown).
    @discardableResult
    public func releaseRender(_ leases: [Lease]) async throws -> [Int64] {
        guard let owner = leases.first?.owner else { return [] }
        return try await connection.query(
            EmbeddedSQL.Queries.releaseRender, owner, leases.map(\.jobID), leases.map(\.attempt)
        ).map { try $0.decode("id") }
    }

    public struct Rescued: Sendable, Equatable {
        public let id: Int64
        public let table: String
        public let newState: String

        public init(id: Int64, table: String, newState: String) {
            self.id = id
            self.table = table
            self.newState = newState
        }
    }

    /// Returns expired leases (jobs and outbox rows) to their queue, or fails them when no
    /// attempt is left.
    public func rescueExpiredLeases(limit: Int = 100) async throws -> [Rescued] {
        try await connection.query(EmbeddedSQL.Queries.rescueExpiredLeases, limit).map {
            Rescued(id: try $0.decode("rescued_id"), table: try $0.decode("rescued_table"), newState: try $0.decode("new_state"))
        }
    }

    /// Retention: blanks prompts of finished jobs older than `days`; returns how many.
    public func purgePrompts(olderThanDays days: Int) async throws -> Int {
        try await connection.query(EmbeddedSQL.Queries.purgePrompts, days).first?.decode("purged") ?? 0
    }
}
