@testable import BotServices
import Runtime
import Testing

/// The webhook's settings and its secret check, without a network.
@Suite struct WebhookRulesTests {
    static let base = ["LIENZO_MODEL": "tiny"]

    func configuration(_ values: [String: String]) throws -> IngestConfiguration {
        try IngestConfiguration(environment: Environment(Self.base.merging(values) { $1 }))
    }

    @Test func pollingByDefaultAndWebhookOnRequest() throws {
        #expect(try configuration([:]).webhook == nil)
        #expect(try configuration(["INGEST_MODE": "polling"]).webhook == nil)
        let webhook = try #require(try configuration([
            "INGEST_MODE": "webhook", "INGEST_WEBHOOK_URL": "https://bot.example.org/tg", "INGEST_WEBHOOK_SECRET": "abc_DEF-123",
            "INGEST_WEBHOOK_PORT": "9000", "INGEST_WEBHOOK_MAX_CONNECTIONS": "10",
        ]).webhook)
        #expect(webhook.url == "https://bot.example.org/tg" && webhook.secret.matches("abc_DEF-123"))
        #expect(webhook.host == "127.0.0.1" && webhook.port == 9000 && webhook.maxConnections == 10 && webhook.maxBodyBytes == 1 << 20)
    }

    @Test func badSettingsAreNamedAndTheSecretIsNeverQuoted() {
        let secret = "not allowed: spaces & ümlauts"
        let cases: [([String: String], String)] = [
            (["INGEST_MODE": "hooks"], "INGEST_MODE must be polling or webhook, got 'hooks'"),
            (["INGEST_MODE": "webhook", "INGEST_WEBHOOK_SECRET": "abc"], "INGEST_MODE=webhook needs INGEST_WEBHOOK_URL"),
            (["INGEST_MODE": "webhook", "INGEST_WEBHOOK_URL": "ftp://x", "INGEST_WEBHOOK_SECRET": "abc"], "INGEST_WEBHOOK_URL must be an https:// URL"),
            (["INGEST_MODE": "webhook", "INGEST_WEBHOOK_URL": "https://x"], "INGEST_MODE=webhook needs INGEST_WEBHOOK_SECRET"),
            (["INGEST_MODE": "webhook", "INGEST_WEBHOOK_URL": "https://x", "INGEST_WEBHOOK_SECRET": secret],
             "INGEST_WEBHOOK_SECRET must be 1-256 characters"),
            (["INGEST_MODE": "webhook", "INGEST_WEBHOOK_URL": "https://x", "INGEST_WEBHOOK_SECRET": String(repeating: "a", count: 257)],
             "INGEST_WEBHOOK_SECRET must be 1-256 characters"),
            (["INGEST_MODE": "webhook", "INGEST_WEBHOOK_URL": "https://x", "INGEST_WEBHOOK_SECRET": "abc", "INGEST_WEBHOOK_MAX_CONNECTIONS": "500"],
             "INGEST_WEBHOOK_MAX_CONNECTIONS must be within 1...100"),
        ]
        for (values, message) in cases {
            do {
                _ = try configuration(values)
                Issue.record("accepted \(values.keys.sorted())")
            } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
                #expect(!"\(error)".contains(secret) && !"\(error)".contains("aaaa"))
            }
        }
    }

    @Test func theSecretMatchesOnlyItself() {
        let secret = Secret("s3cret-token")
        #expect(secret.matches("s3cret-token"))
        for wrong in ["", "s3cret-toke", "s3cret-token ", "S3cret-token", "s3cret-tokem", "s3cret-token-and-more"] {
            #expect(!secret.matches(wrong), "\(wrong)")
        }
        #expect(!Secret("").matches(""))
    }
}
