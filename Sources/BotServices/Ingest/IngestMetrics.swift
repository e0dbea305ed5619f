import Foundation
import Metrics

/// Ingest's metrics through swift-metrics (Prometheus at `/metrics` when
/// `INGEST_METRICS_PORT` is set):
/// - `lienzo_updates_total{outcome}`: updates handled, by outcome class (`IngestMetrics.outcomeClass`):
///   `enqueued`, `rejected`, `refused`, `ignored`, `command`, `callback`, `error`
/// - `lienzo_get_updates_errors_total`: failed getUpdates calls (network, 409, 429, 5xx), or
///   getWebhookInfo checks in webhook mode
/// - `lienzo_last_poll_timestamp_seconds`: Unix time of the last successful getUpdates (or
///   webhook check);
///   the poll's age is `time() - lienzo_last_poll_timestamp_seconds`
/// - `lienzo_webhook_requests_total{status}`: webhook requests answered, by HTTP status
///   (`200`, `400`, `401`, `405`, `413`, `500`, `503`, `other`)
/// - `lienzo_webhook_pending_updates`: updates Telegram holds for the webhook (getWebhookInfo)
/// - `lienzo_admin_actions_total{action}`: operators' commands carried out (`stats`, `ban`,
///   `unban`, `quota`), each also a row of `admin_actions`
///
/// Labels come only from the fixed classes, never from user text.
public struct IngestMetrics: Sendable {
    public init() {}

    static let outcomeClasses: Set<String> = ["enqueued", "rejected", "refused", "ignored", "command", "callback", "error"]
    static let adminActions: Set<String> = ["stats", "ban", "unban", "quota"]

    /// The class of an update outcome string (`"refused:daily_limit"`, `"callback:new_seed"`, …).
    static func outcomeClass(_ outcome: String) -> String {
        let head = outcome.split(separator: ":", maxSplits: 1).first.map(String.init) ?? outcome
        switch head {
        case "enqueued", "rejected", "refused", "ignored", "callback", "error": return head
        case "duplicate", "duplicate_job": return "ignored"
        default: return "command"
        }
    }

    func handled(outcome: String) {
        Counter(label: "lienzo_updates_total", dimensions: [("outcome", Self.outcomeClass(outcome))]).increment()
        let action = String(outcome.dropFirst("admin:".count))
        if outcome.hasPrefix("admin:"), Self.adminActions.contains(action) {
            Counter(label: "lienzo_admin_actions_total", dimensions: [("action", action)]).increment()
        }
    }

    func failed() {
        Counter(label: "lienzo_updates_total", dimensions: [("outcome", "error")]).increment()
    }

    func getUpdatesFailed() {
        Counter(label: "lienzo_get_updates_errors_total").increment()
    }

    static let webhookStatuses: Set<Int> = [200, 400, 401, 405, 413, 500, 503]

    func webhookAnswered(status: Int) {
        let label = Self.webhookStatuses.contains(status) ? String(status) : "other"
        Counter(label: "lienzo_webhook_requests_total", dimensions: [("status", label)]).increment()
    }

    func webhookPending(_ count: Int) {
        Gauge(label: "lienzo_webhook_pending_updates").record(count)
    }

    func polled() {
        Gauge(label: "lienzo_last_poll_timestamp_seconds").record(Date().timeIntervalSince1970)
    }
}
