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
    private var read: IntervalRead<ModelProfile?>

    init(base: GenerationLimits, interval: Duration) {
        self.base = base
        read = IntervalRead(interval: interval)
    }

    var profile: ModelProfile? { read.value ?? nil }

    var limits: GenerationLimits { base.applying(profile) }

    /// The limits to apply from now on when the profile changed since the last read; nil
    /// when it did not, when it is not time to read yet, or when the read failed (the
    /// limits in force stay, and the next batch tries again).
    mutating func changedLimits(connection: PostgresConnection, logger: Logger) async -> GenerationLimits? {
        let firstRead = !read.hasRead
        let changed: ModelProfile??
        do {
            changed = try await read.changed { [model = base.model] in try await JobQueue(connection).profile(model: model) }
        } catch {
            logger.warning("could not read the model's profile; the settings in force stay", metadata: [LogKey.error: "\(error)"])
            return nil
        }
        guard let published = changed else { return nil }
        guard let published else {
            // Nothing published: the built-in and environment settings were in force already.
            logger.info(firstRead ? "no profile published for the model yet; built-in and environment settings apply"
                                  : "the model's profile is gone; built-in and environment settings apply")
            return firstRead ? nil : limits
        }
        let limits = self.limits
        let kept = base.explicit.map(\.rawValue).sorted()
        logger.info("model profile applied", metadata: [
            "lienzo_profile_kind": "\(published.kind)", "lienzo_steps": "\(limits.defaultSteps)/\(limits.maxSteps)",
            "lienzo_cfg": "\(limits.minCFG)...\(limits.defaultCFG)...\(limits.maxCFG)", "lienzo_sampler": "\(limits.defaultSampler)",
            "lienzo_size": "\(limits.defaultWidth)x\(limits.defaultHeight)",
            "lienzo_environment_wins": "\(kept.isEmpty ? "none" : kept.joined(separator: ","))",
        ])
        return limits
    }
}
