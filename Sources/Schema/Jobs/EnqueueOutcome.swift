/// How a user's quota stands after an enqueue attempt.
public struct QuotaUsage: Sendable, Equatable {
    public var usedToday: Int
    public var dailyLimit: Int
    public var pending: Int
    public var maxQueued: Int

    public init(usedToday: Int, dailyLimit: Int, pending: Int, maxQueued: Int) {
        self.usedToday = usedToday
        self.dailyLimit = dailyLimit
        self.pending = pending
        self.maxQueued = maxQueued
    }

    public var remainingToday: Int { max(0, dailyLimit - usedToday) }
}

/// What `JobQueue.enqueue` did with a request.
public enum EnqueueOutcome: Sendable, Equatable {
    /// A new job; `position` 1 means it renders next. Counting stops at 101, which
    /// means "more than 100 ahead".
    case accepted(jobID: Int64, position: Int, quota: QuotaUsage)
    /// The update was enqueued before (Ingest re-read it after a restart): nothing new.
    case duplicate(jobID: Int64, position: Int)
    case banned
    case dailyLimitReached(QuotaUsage)
    case queueFull(QuotaUsage)

    public var jobID: Int64? {
        switch self {
        case .accepted(let id, _, _), .duplicate(let id, _): id
        default: nil
        }
    }
}
