import Bot
import Metrics

/// Deliver's metrics through swift-metrics (Prometheus at `/metrics` when
/// `DELIVER_METRICS_PORT` is set), counted per Bot API call in `attempt`:
/// - `lienzo_messages_sent_total{kind}`: messages Telegram confirmed, by `kind`:
///   `photo` (a finished image), `text` (an outbox message or document), `edit` (an
///   outbox edit or a status edit), `preview` (a live preview photo or its replacement)
/// - `lienzo_send_failures_total{kind,reason}`: sends that did not go, by `reason`:
///   `rate_limited` (429), `transient` (5xx, network), `undeliverable` (blocked, chat
///   gone), `edit_target_gone`, `failed` (anything repeating cannot fix)
/// - `lienzo_telegram_429_total`: 429 answers; `lienzo_telegram_retry_after_seconds`: their `retry_after`
/// - `lienzo_send_seconds{kind}`: seconds per send, retries included (histogram)
struct DeliverMetrics: Sendable {
    static func kind(_ item: DeliverItem) -> String {
        switch item.work {
        case .photo: "photo"
        case .outbox(let claimed): claimed.message.editMessageID == nil ? "text" : "edit"
        case .status(let due): if case .preview? = StatusKey(due.key) { "preview" } else { "edit" }
        }
    }

    static func record(_ result: SendAttempt, kind: String, seconds: Double) {
        Timer(label: "lienzo_send_seconds", dimensions: [("kind", kind)]).recordSeconds(seconds)
        let reason: String
        switch result {
        case .sent:
            Counter(label: "lienzo_messages_sent_total", dimensions: [("kind", kind)]).increment()
            return
        case .alreadyShown, .leaseLost: return
        case .tooManyRequests(let retryAfter):
            Counter(label: "lienzo_telegram_429_total").increment()
            Recorder(label: "lienzo_telegram_retry_after_seconds").record(retryAfter)
            reason = "rate_limited"
        case .transient: reason = "transient"
        case .undeliverable: reason = "undeliverable"
        case .editTargetGone: reason = "edit_target_gone"
        case .failed: reason = "failed"
        }
        Counter(label: "lienzo_send_failures_total", dimensions: [("kind", kind), ("reason", reason)]).increment()
    }
}
