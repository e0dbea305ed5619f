import Runtime

/// How long Lienzo keeps what users send and get (sql/migrations/0013_privacy.sql). Deliver
/// enforces it (`RetentionService`) and publishes the windows to `retention_policy`, which
/// /privacy quotes.
///
/// Environment keys (defaults in brackets; a window is a number with an optional unit s,
/// m, h or d):
/// - `LIENZO_KEEP_IMAGES_FOR` [24h]: a finished job's PNG, for its "send as file" button.
/// - `LIENZO_KEEP_PROMPTS_FOR` [30d]: a finished job's prompt and negative prompt, and the
///   words of the user the bot's replies quoted.
/// - `LIENZO_RETENTION_INTERVAL` [60]: seconds between purge rounds (±25 %).
/// - `LIENZO_RETENTION_BATCH` [500]: the most rows one purge statement touches; a round
///   repeats it until the backlog is gone.
public struct RetentionPolicy: Sendable, Equatable {
    public var keepImagesFor: Duration = .seconds(24 * 3600)
    public var keepPromptsFor: Duration = .seconds(30 * 86_400)
    public var interval: Duration = .seconds(60)
    public var batchSize = 500

    public init() {}

    public init(keepImagesFor: Duration, keepPromptsFor: Duration) {
        self.keepImagesFor = keepImagesFor
        self.keepPromptsFor = keepPromptsFor
    }

    public init(environment: Environment) throws {
        keepImagesFor = try environment.duration("LIENZO_KEEP_IMAGES_FOR", default: keepImagesFor)
        keepPromptsFor = try environment.duration("LIENZO_KEEP_PROMPTS_FOR", default: keepPromptsFor)
        interval = try environment.interval("LIENZO_RETENTION_INTERVAL", default: 60)
        batchSize = try environment.int("LIENZO_RETENTION_BATCH", default: batchSize, in: 1...100_000)
    }
}
