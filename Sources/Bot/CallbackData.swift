/// The `callback_data` of the bot's buttons: `<action>:<job id>` under a delivered photo,
/// e.g. `s:1234`, and `e:<user id>` under the /forget confirmation. Short on purpose —
/// Telegram allows 64 bytes, and an id needs at most 19 digits. Anything else a client
/// sends decodes to nil.
public struct CallbackData: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        /// The same request with a new random seed.
        case newSeed = "s"
        /// The same seed with `GenerationLimits.moreSteps` more steps.
        case moreSteps = "m"
        /// The lossless PNG as a document.
        case sendAsFile = "f"
        /// /forget confirmed: erase the data of the user whose id the number is (only they
        /// may press it, which matters in a group).
        case forget = "e"
    }

    public var action: Action
    /// The job the button is about; for `.forget`, the user's id.
    public var jobID: Int64

    public init(action: Action, jobID: Int64) {
        self.action = action
        self.jobID = jobID
    }

    public init?(_ data: String) {
        guard data.utf8.count <= 64 else { return nil }
        let parts = data.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let action = Action(rawValue: String(parts[0])), let id = Int64(parts[1]), id > 0 else {
            return nil
        }
        self.init(action: action, jobID: id)
    }

    public var encoded: String { "\(action.rawValue):\(jobID)" }

    /// The /forget confirmation of `userID`.
    public static func forget(userID: Int64) -> CallbackData {
        CallbackData(action: .forget, jobID: userID)
    }
}
