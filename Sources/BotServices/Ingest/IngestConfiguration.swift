import Bot
import Runtime

/// How Ingest receives updates and what it accepts.
///
/// Environment keys (defaults in brackets), besides `GenerationLimits`' and
/// `TelegramConfiguration`'s:
/// - `INGEST_MODE` [polling]: `polling` (getUpdates; a webhook left set is deleted) or
///   `webhook` (`WebhookConfiguration`'s keys).
/// - `INGEST_POLL_TIMEOUT` [30]: seconds a getUpdates long poll waits for an update.
/// - `INGEST_POLL_LIMIT` [100]: updates per getUpdates (1–100).
/// - `INGEST_MAX_BACKOFF` [30]: seconds, the longest wait after failed polls.
/// - `INGEST_SET_COMMANDS` [true]: register the command menu (en, es) at start-up.
/// - `INGEST_PROFILE_REFRESH` [30]: seconds between reads of the model's profile (table
///   `model_profiles`); read with the next batch of updates once this has passed.
/// - `INGEST_PROMPT_RULES_REFRESH` [30]: seconds between reads of the prompt rules (table
///   `prompt_rules`), likewise.
/// - `INGEST_METRICS_PORT` [0]: Prometheus endpoint at `http://127.0.0.1:PORT/metrics`
///   (`IngestMetrics`); 0 turns it off.
/// - `LIENZO_ADMINS`, `LIENZO_ACCESS`: the operators and who may use the bot (`AccessPolicy`).
public struct IngestConfiguration: Sendable {
    public var limits = GenerationLimits()
    public var pollTimeout = 30
    public var pollLimit = 100
    public var maxBackoff: Duration = .seconds(30)
    public var setCommands = true
    /// How stale the applied model profile may get: a Renderer publishes it at start-up,
    /// perhaps after Ingest started, and again whenever it restarts.
    public var profileRefresh: Duration = .seconds(30)
    /// How long a rule an operator adds or deletes may take to be in force.
    public var promptRulesRefresh: Duration = .seconds(30)
    /// Attempts at one update that fails with a non-connection database error before it
    /// is recorded as failed and skipped, so one poisoned update cannot wedge the queue.
    public var maxAttemptsPerUpdate = 5
    public var metricsPort = 0
    public var access = AccessPolicy()
    /// Set: updates arrive by webhook; nil: by long polling.
    public var webhook: WebhookConfiguration?

    public init() {}

    public init(environment: Environment) throws {
        limits = try GenerationLimits(environment: environment)
        pollTimeout = try environment.int("INGEST_POLL_TIMEOUT", default: pollTimeout, in: 0...50)
        pollLimit = try environment.int("INGEST_POLL_LIMIT", default: pollLimit, in: 1...100)
        maxBackoff = try environment.seconds("INGEST_MAX_BACKOFF", default: 30)
        setCommands = try environment.bool("INGEST_SET_COMMANDS", default: setCommands)
        profileRefresh = try environment.seconds("INGEST_PROFILE_REFRESH", default: 30)
        promptRulesRefresh = try environment.seconds("INGEST_PROMPT_RULES_REFRESH", default: 30)
        metricsPort = try environment.int("INGEST_METRICS_PORT", default: metricsPort, in: 0...65535)
        access = try AccessPolicy(environment: environment)
        switch environment.string("INGEST_MODE", default: "polling").lowercased() {
        case "polling": webhook = nil
        case "webhook": webhook = try WebhookConfiguration(environment: environment)
        case let other: throw ConfigurationError("INGEST_MODE must be polling or webhook, got '\(other)'")
        }
    }
}
