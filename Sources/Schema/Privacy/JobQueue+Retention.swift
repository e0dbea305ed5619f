extension JobQueue {
    /// What one `purge_expired` call did.
    public struct Purged: Sendable, Equatable {
        public var images: Int
        public var prompts: Int
        /// Replies whose echoed user text was blanked.
        public var messages: Int

        public init(images: Int = 0, prompts: Int = 0, messages: Int = 0) {
            self.images = images
            self.prompts = prompts
            self.messages = messages
        }

        public var total: Int { images + prompts + messages }
    }

    /// One bounded purge: at most `limit` rows past their window, oldest first, skipping
    /// rows other transactions hold. Call again while it returns `limit` rows.
    public func purgeExpired(keepImagesFor: Duration, keepPromptsFor: Duration, limit: Int) async throws -> Purged {
        guard let row = try await connection.query(
            EmbeddedSQL.Queries.purgeExpired, keepImagesFor.seconds, keepPromptsFor.seconds, limit
        ).first else { return Purged() }
        return Purged(images: try row.decode("images_purged"), prompts: try row.decode("prompts_purged"),
                      messages: try row.decode("messages_purged"))
    }

    /// Rows past their window that the purge has yet to reach, per kind.
    public struct RetentionBacklog: Sendable, Equatable {
        /// `images`, `prompts` or `messages`.
        public var kind: String
        public var overdue: Int
        /// How long past its window the oldest of them is; 0 when none.
        public var oldestOverdueSeconds: Double
    }

    public func retentionBacklog() async throws -> [RetentionBacklog] {
        try await connection.query(EmbeddedSQL.Queries.retentionBacklog).map { row in
            RetentionBacklog(kind: try row.decode("kind"), overdue: try row.decode("overdue"),
                             oldestOverdueSeconds: try row.decode("oldest_overdue_seconds"))
        }
    }

    /// Makes `policy`'s windows the ones /privacy quotes and the backlog is measured against.
    public func publishRetentionPolicy(_ policy: RetentionPolicy) async throws {
        try await connection.query(
            EmbeddedSQL.Queries.publishRetentionPolicy, policy.keepImagesFor.seconds, policy.keepPromptsFor.seconds)
    }

    /// The windows in force (the defaults until a Deliver published its own).
    public func retentionPolicy() async throws -> RetentionPolicy {
        guard let row = try await connection.query(EmbeddedSQL.Queries.retentionPolicy).first else { return RetentionPolicy() }
        return RetentionPolicy(
            keepImagesFor: .milliseconds(Int64((try row.decode("keep_images_seconds", as: Double.self) * 1000).rounded())),
            keepPromptsFor: .milliseconds(Int64((try row.decode("keep_prompts_seconds", as: Double.self) * 1000).rounded())))
    }
}
