/// NOTIFY channels the migrations' triggers send on, named after the schema so that
/// separate schemas (tests, several deployments in one database) do not wake each other.
public struct QueueChannels: Sendable {
    public let schema: String

    public init(schema: String) { self.schema = schema }

    /// A job entered `queued`; the payload is its model.
    public var jobsQueued: String { schema + ".jobs_queued" }
    /// A job entered `rendered`.
    public var jobsRendered: String { schema + ".jobs_rendered" }
    /// An outbox row became pending.
    public var outbox: String { schema + ".outbox" }
}
