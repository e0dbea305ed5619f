/// What a job's status message shows, as the SQL of `StatusUpdatesDue` names it:
/// `queued`, `rendering:k/n`, `rendered`, `delivered`, `failed`, `cancelled`.
public enum StatusKey: Sendable, Equatable {
    case queued
    case rendering(step: Int, steps: Int)
    case rendered
    case delivered
    case failed
    case cancelled

    public init?(_ key: String) {
        switch key {
        case "queued": self = .queued
        case "rendered": self = .rendered
        case "delivered": self = .delivered
        case "failed": self = .failed
        case "cancelled": self = .cancelled
        default:
            guard key.hasPrefix("rendering:") else { return nil }
            let numbers = key.dropFirst("rendering:".count).split(separator: "/")
            guard numbers.count == 2, let step = Int(numbers[0]), let steps = Int(numbers[1]) else { return nil }
            self = .rendering(step: step, steps: steps)
        }
    }

    /// No edit follows a final state.
    public var isFinal: Bool {
        switch self {
        case .delivered, .failed, .cancelled: true
        default: false
        }
    }
}
