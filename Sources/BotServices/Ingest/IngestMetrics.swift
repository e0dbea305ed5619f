import Foundation
import Metrics
import Runtime

/// Ingest's metrics through swift-metrics (Prometheus at `/metrics` when
/// `INGEST_METRICS_PORT` is set), declared in `descriptions`. Labels come only from fixed
/// classes, never from user text.
public struct IngestMetrics: Sendable {
    public init() {}

    static let updates = MetricDescription(
        "lienzo_updates_total", .counter, labels: ["outcome"],
        help: "Updates handled, by outcome class: enqueued, rejected, refused, ignored, command, callback, error.")
    static let getUpdatesErrors = MetricDescription(
        "lienzo_get_updates_errors_total", .counter,
        help: "Failed getUpdates calls (network, 409, 429, 5xx), or failed getWebhookInfo checks in webhook mode.")
    static let lastPoll = MetricDescription(
        "lienzo_last_poll_timestamp_seconds", .gauge,
        help: "Unix time of the last successful getUpdates (or getWebhookInfo check in webhook mode).")
    static let webhookRequests = MetricDescription(
        "lienzo_webhook_requests_total", .counter, labels: ["status"],
        help: "Webhook requests answered, by HTTP status (200, 400, 401, 405, 413, 500, 503, other).")
    static let webhookPending = MetricDescription(
        "lienzo_webhook_pending_updates", .gauge,
        help: "Updates Telegram holds for the webhook, from getWebhookInfo.")
    static let adminActions = MetricDescription(
        "lienzo_admin_actions_total", .counter, labels: ["action"],
        help: "Operators' commands carried out (stats, ban, unban, quota), each also a row of admin_actions.")

    /// Every metric Ingest exports, for its metrics backend (help texts) and its docs.
    public static let descriptions = [updates, getUpdatesErrors, lastPoll, webhookRequests, webhookPending, adminActions]

    static let outcomeClasses: Set<String> = ["enqueued", "rejected", "refused", "ignored", "command", "callback", "error"]
    static let adminActionNames: Set<String> = ["stats", "ban", "unban", "quota"]

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
        Counter(label: Self.updates.name, dimensions: [("outcome", Self.outcomeClass(outcome))]).increment()
        let action = String(outcome.dropFirst("admin:".count))
        if outcome.hasPrefix("admin:"), Self.adminActionNames.contains(action) {
            Counter(label: Self.adminActions.name, dimensions: [("action", action)]).increment()
        }
    }

    func failed() {
        Counter(label: Self.updates.name, dimensions: [("outcome", "error")]).increment()
    }

    func getUpdatesFailed() {
        Counter(label: Self.getUpdatesErrors.name).increment()
    }

    static let webhookStatuses: Set<Int> = [200, 400, 401, 405, 413, 500, 503]

    func webhookAnswered(status: Int) {
        let label = Self.webhookStatuses.contains(status) ? String(status) : "other"
        Counter(label: Self.webhookRequests.name, dimensions: [("status", label)]).increment()
    }

    func webhookPending(_ count: Int) {
        Gauge(label: Self.webhookPending.name).record(count)
    }

    func polled() {
        Gauge(label: Self.lastPoll.name).record(Date().timeIntervalSince1970)
    }
}
