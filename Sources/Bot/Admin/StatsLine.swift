/// What /stats shows an operator, read with one query (`AdminStats`).
public struct StatsLine: Codable, Sendable, Equatable {
    /// Jobs per unfinished state.
    public var queued: Int
    public var rendering: Int
    public var rendered: Int
    public var delivering: Int
    /// How long the oldest queued job has waited (0 when none waits).
    public var oldestQueuedSeconds: Int
    /// Images delivered in the last hour and the last 24 hours.
    public var deliveredLastHour: Int
    public var deliveredLastDay: Int
    /// Since midnight UTC: users who asked for an image, and jobs that failed.
    public var usersToday: Int
    public var failedToday: Int

    public init(
        queued: Int, rendering: Int, rendered: Int, delivering: Int, oldestQueuedSeconds: Int,
        deliveredLastHour: Int, deliveredLastDay: Int, usersToday: Int, failedToday: Int
    ) {
        self.queued = queued
        self.rendering = rendering
        self.rendered = rendered
        self.delivering = delivering
        self.oldestQueuedSeconds = oldestQueuedSeconds
        self.deliveredLastHour = deliveredLastHour
        self.deliveredLastDay = deliveredLastDay
        self.usersToday = usersToday
        self.failedToday = failedToday
    }

    /// The oldest wait in the units both languages write alike: "45 s", "12 min", "3 h".
    var oldestQueuedAge: String {
        switch oldestQueuedSeconds {
        case ..<90: "\(oldestQueuedSeconds) s"
        case ..<(90 * 60): "\((oldestQueuedSeconds + 30) / 60) min"
        default: "\((oldestQueuedSeconds + 1800) / 3600) h"
        }
    }

    enum CodingKeys: String, CodingKey {
        case queued, rendering, rendered, delivering
        case oldestQueuedSeconds = "oldest_queued_seconds"
        case deliveredLastHour = "delivered_last_hour"
        case deliveredLastDay = "delivered_last_day"
        case usersToday = "users_today"
        case failedToday = "failed_today"
    }
}
