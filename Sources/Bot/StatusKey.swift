/// What a job's status message shows, as the SQL of `StatusUpdatesDue` names it:
/// `queued`, `rendering:k/n`, `preview:k/n` (a new live preview of step k waits to be
/// shown), `rendered`, `delivered`, `failed`, `cancelled`.
public enum StatusKey: Sendable, Equatable {
    case queued
    case rendering(step: Int, steps: Int)
    case preview(step: Int, steps: Int)
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
            let parts = key.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let numbers = parts[1].split(separator: "/")
            guard numbers.count == 2, let step = Int(numbers[0]), let steps = Int(numbers[1]) else { return nil }
            switch parts[0] {
            case "rendering": self = .rendering(step: step, steps: steps)
            case "preview": self = .preview(step: step, steps: steps)
            default: return nil
            }
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
