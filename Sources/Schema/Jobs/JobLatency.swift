/// How long a job took to reach the state a statement just moved it to, from its row's own
/// timestamps and PostgreSQL's clock (`created_at`, `rendered_at` and the `now()` written
/// at the transition): a stage that restarted meanwhile, or runs on another machine,
/// still measures the whole wait.
public struct JobLatency: Sendable, Equatable {
    public let jobID: Int64
    public let model: String
    /// Seconds since the job was queued (`created_at`).
    public let sinceQueued: Double
    /// Seconds since it was rendered (`rendered_at`); nil for a render.
    public let sinceRendered: Double?

    public init(jobID: Int64, model: String, sinceQueued: Double, sinceRendered: Double? = nil) {
        self.jobID = jobID
        self.model = model
        self.sinceQueued = sinceQueued
        self.sinceRendered = sinceRendered
    }

    /// A row of FinishRenders, FinishDeliveries or FinishDeliveryWithoutLease.
    init(row: PostgresRow) throws {
        self.init(jobID: try row.decode("id"), model: try row.decode("model"),
                  sinceQueued: try row.decode("since_queued_seconds"),
                  sinceRendered: try row.decode("since_rendered_seconds"))
    }
}

extension JobQueue {
    /// Unfinished jobs in one state for one model, as the queue gauges show them.
    public struct StateCount: Sendable, Equatable {
        public let state: JobState
        public let model: String
        public let jobs: Int
        /// For `queued`: seconds since its oldest job was queued; 0 when none, and for the
        /// other states.
        public let oldestSeconds: Double
    }

    /// Every unfinished state (queued, rendering, rendered, delivering) of every model that
    /// has a published profile or an unfinished job, 0 where none is; one cheap statement
    /// (its cost follows the unfinished rows, not the table).
    public func stateCounts() async throws -> [StateCount] {
        try await connection.query(EmbeddedSQL.Queries.queueGauges).map { row in
            StateCount(state: try row.decode("state"), model: try row.decode("model"), jobs: try row.decode("jobs"),
                       oldestSeconds: try row.decode("oldest_seconds"))
        }
    }
}
