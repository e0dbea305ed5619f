/// A job's place in its lifecycle (see docs/lifecycle.md). Mirrors SQL `job_state`.
public enum JobState: String, Sendable, CaseIterable, PostgresTextDecodable {
    case queued, rendering, rendered, delivering, delivered, failed, cancelled

    public init?(postgresText text: String) { self.init(rawValue: text) }

    /// No transition leaves these states.
    public var isTerminal: Bool { self == .delivered || self == .failed || self == .cancelled }
}
