import Foundation
import Runtime

/// How to reach the Bot API.
///
/// Environment keys:
/// - `TELEGRAM_BOT_TOKEN` (required): the bot's token, held as a `Secret`.
/// - `TELEGRAM_API_URL` (default `https://api.telegram.org`): requests go to
///   `{base}/bot{token}/{method}`, so a local Bot API server or the emulator can stand in.
/// - `TELEGRAM_CONNECT_TIMEOUT` (seconds, default 10).
/// - `TELEGRAM_REQUEST_TIMEOUT` (seconds, default 60): whole-request limit for every method
///   but `getUpdates`, uploads included.
/// - `TELEGRAM_POLL_MARGIN` (seconds, default 10): added to a `getUpdates` long-poll
///   timeout to get that request's limit.
public struct TelegramConfiguration: Sendable {
    public var token: Secret
    public var apiURL: String
    public var connectTimeout: Duration
    public var requestTimeout: Duration
    public var longPollMargin: Duration

    public static let defaultAPIURL = "https://api.telegram.org"

    public init(
        token: Secret,
        apiURL: String = TelegramConfiguration.defaultAPIURL,
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(60),
        longPollMargin: Duration = .seconds(10)
    ) {
        self.token = token
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.longPollMargin = longPollMargin
    }

    public init(environment: Environment = Environment()) throws {
        guard let token = environment.secret("TELEGRAM_BOT_TOKEN") else {
            throw ConfigurationError("TELEGRAM_BOT_TOKEN is not set (the token @BotFather gave the bot)")
        }
        // The token goes into a URL path verbatim; anything outside Telegram's token
        // alphabet would change the URL. The message never echoes the value.
        guard Self.isWellFormed(token) else {
            throw ConfigurationError("TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<letters, digits, _ or ->")
        }
        self.init(
            token: token,
            apiURL: environment.string("TELEGRAM_API_URL", default: Self.defaultAPIURL),
            connectTimeout: try environment.seconds("TELEGRAM_CONNECT_TIMEOUT", default: 10),
            requestTimeout: try environment.seconds("TELEGRAM_REQUEST_TIMEOUT", default: 60),
            longPollMargin: try environment.seconds("TELEGRAM_POLL_MARGIN", default: 10)
        )
    }

    static func isWellFormed(_ token: Secret) -> Bool {
        let parts = token.revealed.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = parts.first, let key = parts.last else { return false }
        return !id.isEmpty && id.allSatisfy(\.isASCII) && id.allSatisfy(\.isNumber) && !key.isEmpty
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// `host:port` of `apiURL`, for errors: what a network failure was trying to reach,
    /// without the path (where the token goes) or any user name and password.
    public var apiHost: String {
        guard let components = URLComponents(string: apiURL), let host = components.host, !host.isEmpty else {
            return "the Bot API URL (unreadable)"
        }
        let port = components.port ?? (components.scheme?.lowercased() == "http" ? 80 : 443)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The only place the token enters a URL.
    func url(for method: String) -> String {
        "\(apiURL)/bot\(token.revealed)/\(method)"
    }
}
