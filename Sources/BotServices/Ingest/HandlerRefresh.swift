import Logging
import Schema

/// What the update handler reads from the database now and then, whichever way updates
/// arrive: the model's profile (its limits) and the operators' prompt rules.
struct HandlerRefresh: Sendable {
    private var profile: ModelProfileRefresh
    private var promptRules: PromptRulesRefresh

    init(configuration: IngestConfiguration) {
        profile = ModelProfileRefresh(base: configuration.limits, interval: configuration.profileRefresh)
        promptRules = PromptRulesRefresh(interval: configuration.promptRulesRefresh)
    }

    /// Puts into `handler` what changed since the last read, once each interval passed.
    mutating func apply(to handler: inout UpdateHandler, connection: PostgresConnection, logger: Logger) async {
        if let limits = await profile.changedLimits(connection: connection, logger: logger) {
            handler.router.limits = limits
        }
        if let blocklist = await promptRules.changedBlocklist(connection: connection, logger: logger) {
            handler.blocklist = blocklist
        }
    }
}
