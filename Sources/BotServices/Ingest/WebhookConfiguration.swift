import Runtime

/// How Ingest receives updates by webhook (`INGEST_MODE=webhook`). Telegram POSTs each
/// update to `url`, a public https address; a reverse proxy there (nginx, Caddy) ends TLS
/// and forwards to `host`:`port`, where Ingest listens in plain HTTP.
///
/// Environment keys (defaults in brackets):
/// - `INGEST_WEBHOOK_URL` [required]: the https URL registered with `setWebhook`.
/// - `INGEST_WEBHOOK_SECRET` [required]: the `secret_token` Telegram sends back in
///   `X-Telegram-Bot-Api-Secret-Token` on every request (1–256 of `A-Z a-z 0-9 _ -`).
///   A request without it is refused (401). Never logged.
/// - `INGEST_WEBHOOK_HOST` [127.0.0.1]: the address to listen on (0.0.0.0 when the proxy is
///   on another machine or outside a container).
/// - `INGEST_WEBHOOK_PORT` [8088]: the port to listen on.
/// - `INGEST_WEBHOOK_MAX_CONNECTIONS` [40]: `setWebhook`'s `max_connections` (1–100), and the
///   connections Ingest serves at once (a few more for health checks); others get 503.
/// - `INGEST_WEBHOOK_MAX_BODY` [1048576]: bytes; a larger request gets 413 (an update is a
///   few KiB).
/// - `INGEST_WEBHOOK_CHECK_INTERVAL` [60]: seconds between getWebhookInfo checks, which
///   register the webhook again if it was removed.
public struct WebhookConfiguration: Sendable {
    public var url: String
    public var secret: Secret
    public var host = "127.0.0.1"
    public var port = 8088
    public var maxConnections = 40
    public var maxBodyBytes = 1 << 20
    /// How long a request waits for its update's commit before answering 503 (Telegram
    /// gives up on a webhook after about a minute, and then retries).
    public var answerTimeout: Duration = .seconds(50)
    public var checkInterval: Duration = .seconds(60)

    public init(url: String, secret: Secret) {
        self.url = url
        self.secret = secret
    }

    public init(environment: Environment) throws {
        guard let url = environment["INGEST_WEBHOOK_URL"] else {
            throw ConfigurationError("INGEST_MODE=webhook needs INGEST_WEBHOOK_URL: the https URL Telegram posts updates to")
        }
        guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
            throw ConfigurationError("INGEST_WEBHOOK_URL must be an https:// URL (Telegram's Bot API accepts no other)")
        }
        guard let secret = environment.secret("INGEST_WEBHOOK_SECRET") else {
            throw ConfigurationError("INGEST_MODE=webhook needs INGEST_WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -")
        }
        // The message never quotes the value: it is a secret even when malformed.
        guard Self.isValidSecret(secret.revealed) else {
            throw ConfigurationError("INGEST_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (as Telegram's secret_token)")
        }
        self.url = url
        self.secret = secret
        host = environment.string("INGEST_WEBHOOK_HOST", default: host)
        port = try environment.int("INGEST_WEBHOOK_PORT", default: port, in: 1...65535)
        maxConnections = try environment.int("INGEST_WEBHOOK_MAX_CONNECTIONS", default: maxConnections, in: 1...100)
        maxBodyBytes = try environment.int("INGEST_WEBHOOK_MAX_BODY", default: maxBodyBytes, in: 1024...(64 << 20))
        checkInterval = try environment.interval("INGEST_WEBHOOK_CHECK_INTERVAL", default: 60)
    }

    static func isValidSecret(_ text: String) -> Bool {
        (1...256).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
