import Bot
import Metrics
import Runtime
import Schema

/// Deliver's metrics through swift-metrics (Prometheus at `/metrics` when
/// `DELIVER_METRICS_PORT` is set), counted per Bot API call in `attempt` and declared in
/// `descriptions`. `kind` is `photo` (a finished image), `text` (an outbox message or
/// document), `edit` (an outbox edit or a status edit) or `preview` (a live preview photo or
/// its replacement).
public struct DeliverMetrics: Sendable {
    static let sent = MetricDescription(
        "lienzo_messages_sent_total", .counter, labels: ["kind"],
        help: "Messages Telegram confirmed, by kind: photo, text, edit, preview.")
    static let failures = MetricDescription(
        "lienzo_send_failures_total", .counter, labels: ["kind", "reason"],
        help: "Sends that did not go, by kind and reason: rate_limited (429), transient (5xx, network), undeliverable (blocked, chat gone), edit_target_gone, failed.")
    static let tooManyRequests = MetricDescription(
        "lienzo_telegram_429_total", .counter,
        help: "429 Too Many Requests answers from Telegram.")
    static let retryAfter = MetricDescription(
        "lienzo_telegram_retry_after_seconds", .histogram,
        help: "The retry_after of Telegram's 429 answers, in seconds.",
        buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600])
    static let sendSeconds = MetricDescription(
        "lienzo_send_seconds", .histogram, labels: ["kind"],
        help: "Seconds per send, retries included, by kind.")
    static let renderedToDelivered = MetricDescription.jobLatency(
        "lienzo_job_rendered_to_delivered_seconds",
        help: "Seconds from a job's image being stored to Telegram confirming its photo, by the database's clock.")
    static let queuedToDelivered = MetricDescription.jobLatency(
        "lienzo_job_queued_to_delivered_seconds",
        help: "Seconds from a job being queued to Telegram confirming its photo (what the user waits), by the database's clock.")

    /// Every metric Deliver's sends export (retention's are `RetentionService.descriptions`,
    /// the queue's `QueueGaugeService.descriptions`).
    public static let descriptions = [sent, failures, tooManyRequests, retryAfter, sendSeconds, renderedToDelivered, queuedToDelivered]

    static func kind(_ item: DeliverItem) -> String {
        switch item.work {
        case .photo: "photo"
        case .outbox(let claimed): claimed.message.editMessageID == nil ? "text" : "edit"
        case .status(let due): if case .preview? = StatusKey(due.key) { "preview" } else { "edit" }
        }
    }

    static func record(_ result: SendAttempt, kind: String, seconds: Double) {
        Timer(label: Self.sendSeconds.name, dimensions: [("kind", kind)]).recordSeconds(seconds)
        let reason: String
        switch result {
        case .sent:
            Counter(label: Self.sent.name, dimensions: [("kind", kind)]).increment()
            return
        case .alreadyShown, .leaseLost: return
        case .tooManyRequests(let retryAfter):
            Counter(label: Self.tooManyRequests.name).increment()
            Recorder(label: Self.retryAfter.name).record(retryAfter)
            reason = "rate_limited"
        case .transient: reason = "transient"
        case .undeliverable: reason = "undeliverable"
        case .editTargetGone: reason = "edit_target_gone"
        case .failed: reason = "failed"
        }
        Counter(label: Self.failures.name, dimensions: [("kind", kind), ("reason", reason)]).increment()
    }

    /// A photo recorded delivered: how long its job took since it was queued and since rendered.
    static func delivered(_ job: JobLatency) {
        let model = [("model", job.model)]
        Recorder(label: Self.queuedToDelivered.name, dimensions: model).record(job.sinceQueued)
        if let sinceRendered = job.sinceRendered {
            Recorder(label: Self.renderedToDelivered.name, dimensions: model).record(sinceRendered)
        }
    }
}
