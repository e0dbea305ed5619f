import Foundation

/// What may happen to an image the safety checker flags: `LIENZO_NSFW_POLICY`, or a chat's
/// own row in `chat_nsfw_policies`, which wins.
public enum NSFWPolicy: String, Sendable, CaseIterable {
    /// Never stored or sent: the job fails with a notice and keeps only the image's hash.
    case block
    /// Sent behind Telegram's spoiler (`has_spoiler`).
    case spoiler
    case allow

    /// The `jobs.nsfw_action` a flagged image gets.
    var action: String {
        switch self {
        case .block: "blocked"
        case .spoiler: "spoiler"
        case .allow: "allowed"
        }
    }
}

/// The safety checker's verdict on one image.
public struct ImageSafety: Sendable, Equatable {
    public var nsfw: Bool
    /// Its largest concept score minus that concept's threshold: above 0 flags.
    public var margin: Float

    public init(nsfw: Bool, margin: Float) {
        self.nsfw = nsfw
        self.margin = margin
    }
}

extension JobQueue {
    /// A finished image of a leased job, with its verdict (nil: not checked) and the
    /// policy that applies to it.
    public struct RenderResult: Sendable {
        public var lease: Lease
        public var png: Data
        public var safety: ImageSafety?
        public var policy: NSFWPolicy

        public init(lease: Lease, png: Data, safety: ImageSafety? = nil, policy: NSFWPolicy = .allow) {
            self.lease = lease
            self.png = png
            self.safety = safety
            self.policy = policy
        }

        /// Flagged, and the policy says the image must not leave.
        public var isBlocked: Bool { safety?.nsfw == true && policy == .block }
    }
}
