import Metrics
import Runtime
import Schema

/// The Renderer's metrics through swift-metrics (exported by whatever backend the
/// executable bootstraps; Prometheus at /metrics):
/// - `lienzo_queue_depth{model}`: queued jobs of the served model, after each claim
/// - `lienzo_batch_size`: jobs per rendered batch
/// - `lienzo_seconds_per_step`: wall seconds per denoising step of a batch
/// - `lienzo_renders_total`: images rendered
/// - `lienzo_render_failures_total{reason}`: failed attempts (`rejected`, `error`)
/// - `lienzo_images_flagged_total{action}`: images the safety checker flagged, by what
///   the policy did (`blocked`, `spoiler`, `allowed`)
public struct RenderMetrics: Sendable {
    public init() {}

    func batch(size: Int) {
        Recorder(label: "lienzo_batch_size").record(size)
    }

    func rendered(count: Int, seconds: Duration, steps: Int) {
        Counter(label: "lienzo_renders_total").increment(by: count)
        Recorder(label: "lienzo_seconds_per_step").record(seconds.seconds / Double(max(steps, 1)))
    }

    func flagged(action: String) {
        Counter(label: "lienzo_images_flagged_total", dimensions: [("action", action)]).increment()
    }

    func failure(reason: String) {
        Counter(label: "lienzo_render_failures_total", dimensions: [("reason", reason)]).increment()
    }

    func recordQueueDepth(queue: JobQueue, model: String) async {
        guard let depth = try? await queue.queuedCount(model: model) else { return }
        Gauge(label: "lienzo_queue_depth", dimensions: [("model", model)]).record(depth)
    }
}
