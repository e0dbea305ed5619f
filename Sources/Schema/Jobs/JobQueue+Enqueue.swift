import Foundation

extension JobQueue {
    /// A request to enqueue: what to render, who asked, and how many render attempts it gets.
    public struct Enqueue: Sendable, Equatable {
        public var request: RenderRequest
        public var origin: TelegramOrigin
        public var maxAttempts: Int

        public init(_ request: RenderRequest, from origin: TelegramOrigin, maxAttempts: Int = 3) {
            self.request = request
            self.origin = origin
            self.maxAttempts = maxAttempts
        }
    }

    /// Enqueues a request, enforcing ban, daily limit and pending-jobs limit atomically.
    /// Idempotent on `origin.updateID`.
    public func enqueue(_ request: RenderRequest, from origin: TelegramOrigin, maxAttempts: Int = 3) async throws -> EnqueueOutcome {
        // The batch form answers exactly one row per request or throws.
        try await enqueue([Enqueue(request, from: origin, maxAttempts: maxAttempts)])[0]
    }

    /// Enqueues several requests in one statement, with the outcome of each in order:
    /// the same rules as one at a time in that order (a user's later requests count the
    /// ones accepted before them), at the cost of a few statements for the whole batch.
    public func enqueue(_ batch: [Enqueue]) async throws -> [EnqueueOutcome] {
        if batch.isEmpty { return [] }
        // Integers travel as integer arrays; text, optional and real columns as quoted
        // text arrays.
        func text(_ value: (Enqueue) -> String?) -> PostgresTextArray { PostgresTextArray(batch.map(value)) }
        let rows = try await connection.query(
            EmbeddedSQL.Queries.enqueueJobs,
            batch.map(\.origin.updateID), batch.map(\.origin.chatID), batch.map(\.origin.userID),
            text { $0.origin.messageID.map(String.init) }, text { $0.origin.languageCode },
            text { $0.request.prompt }, text { $0.request.negativePrompt }, text { $0.request.model },
            batch.map(\.request.width), batch.map(\.request.height), batch.map(\.request.steps),
            text { String($0.request.guidance) }, batch.map(\.request.seed), text { $0.request.sampler },
            batch.map(\.maxAttempts))
        guard rows.count == batch.count else {
            throw PostgresError(.decoding, message: "enqueue_jobs answered \(rows.count) of \(batch.count) requests",
                                query: EmbeddedSQL.Queries.enqueueJobs.name)
        }
        return try rows.map(EnqueueOutcome.init(row:))
    }
}

extension EnqueueOutcome {
    init(row: PostgresRow) throws {
        func usage() throws -> QuotaUsage {
            QuotaUsage(usedToday: try row.decode("used_today"), dailyLimit: try row.decode("daily_limit"),
                       pending: try row.decode("pending"), maxQueued: try row.decode("max_queued"))
        }
        switch try row.decode("outcome", as: String.self) {
        case "accepted":
            self = .accepted(jobID: try row.decode("job_id"), position: try row.decode("queue_position"), quota: try usage())
        case "duplicate":
            self = .duplicate(jobID: try row.decode("job_id"), position: try row.decode("queue_position"))
        case "banned": self = .banned
        case "daily_limit": self = .dailyLimitReached(try usage())
        case "queue_full": self = .queueFull(try usage())
        case let other:
            throw PostgresError(.decoding, message: "unknown enqueue outcome '\(other)'")
        }
    }
}
