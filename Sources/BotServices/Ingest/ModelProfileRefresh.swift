import Bot
import Logging
import Runtime
import Schema

/// The limits Ingest applies: those of its environment with the model's published profile
/// over them (`GenerationLimits.applying`). The profile is read with a batch of updates
/// once `interval` has passed since the last read, so a message costs no query and a
/// profile a Renderer publishes after Ingest started is picked up within `interval`.
struct ModelProfileRefresh: Sendable {
    /// From the environment and the built-in defaults; the profile goes over these.
    let base: GenerationLimits
    let interval: Duration
    private(set) var profile: ModelProfile?
    private var readAt: ContinuousClock.Instant?

    init(base: GenerationLimits, interval: Duration) {
        self.base = base
        self.interval = interval
    }

    var limits: GenerationLimits { base.applying(profile) }

    /// The limits to apply from now on when the profile changed since the last read; nil
    /// when it did not, when it is not time to read yet, or when the read failed (the
    /// limits in force stay, and the next batch tries again).
    mutating func changedLimits(connection: PostgresConnection, logger: Logger) async -> GenerationLimits? {
        let now = ContinuousClock.now
        if let readAt, now - readAt < interval { return nil }
        let published: ModelProfile?
        do {
            published = try await JobQueue(connection).profile(model: base.model)
        } catch {
            logger.warning("could not read the model's profile; the settings in force stay", metadata: [LogKey.error: "\(error)"])
            return nil
        }
        let firstRead = readAt == nil
        readAt = now
        guard published != profile else {
            if firstRead { logger.info("no profile published for the model yet; built-in and environment settings apply") }
            return nil
        }
        profile = published
        let limits = self.limits
        if let published {
            let kept = base.explicit.map(\.rawValue).sorted()
            logger.info("model profile applied", metadata: [
                "lienzo_profile_kind": "\(published.kind)", "lienzo_steps": "\(limits.defaultSteps)/\(limits.maxSteps)",
                "lienzo_cfg": "\(limits.minCFG)...\(limits.defaultCFG)...\(limits.maxCFG)", "lienzo_sampler": "\(limits.defaultSampler)",
                "lienzo_size": "\(limits.defaultWidth)x\(limits.defaultHeight)",
                "lienzo_environment_wins": "\(kept.isEmpty ? "none" : kept.joined(separator: ","))",
            ])
        } else {
            logger.info("the model's profile is gone; built-in and environment settings apply")
        }
        return limits
    }
}
