import Metrics
import Runtime
import Schema

/// The Renderer's metrics through swift-metrics (exported by whatever backend the
/// executable bootstraps; Prometheus at /metrics), declared in `descriptions`.
public struct RenderMetrics: Sendable {
    static let queueDepth = MetricDescription(
        "lienzo_queue_depth", .gauge, labels: ["model"],
        help: "Jobs queued for the served model, read after each claim.")
    // Bounded by LIENZO_MAX_BATCH (1...64); the defaults start at 5 and would hide it.
    static let batchSize = MetricDescription(
        "lienzo_batch_size", .histogram, help: "Jobs per rendered batch.",
        buckets: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64])
    // A step takes tens of milliseconds to seconds; the defaults (5 to 10000) would put
    // every step in the first bucket and make the dashboard's quantiles meaningless.
    static let secondsPerStep = MetricDescription(
        "lienzo_seconds_per_step", .histogram, help: "Wall seconds per denoising step of a rendered batch.",
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60])
    static let renders = MetricDescription("lienzo_renders_total", .counter, help: "Images rendered.")
    static let failures = MetricDescription(
        "lienzo_render_failures_total", .counter, labels: ["reason"],
        help: "Failed render attempts, by reason: rejected, error.")
    static let flaggedImages = MetricDescription(
        "lienzo_images_flagged_total", .counter, labels: ["action"],
        help: "Images the safety checker flagged, by what the policy did: blocked, spoiler, allowed.")

    /// Every metric the Renderer exports, for its metrics backend (help texts, buckets).
    public static let descriptions = [queueDepth, batchSize, secondsPerStep, renders, failures, flaggedImages]

    public init() {}

    func batch(size: Int) {
        Recorder(label: Self.batchSize.name).record(size)
    }

    func rendered(count: Int, seconds: Duration, steps: Int) {
        Counter(label: Self.renders.name).increment(by: count)
        Recorder(label: Self.secondsPerStep.name).record(seconds.seconds / Double(max(steps, 1)))
    }

    func flagged(action: String) {
        Counter(label: Self.flaggedImages.name, dimensions: [("action", action)]).increment()
    }

    func failure(reason: String) {
        Counter(label: Self.failures.name, dimensions: [("reason", reason)]).increment()
    }

    func recordQueueDepth(queue: JobQueue, model: String) async {
        guard let depth = try? await queue.queuedCount(model: model) else { return }
        Gauge(label: Self.queueDepth.name, dimensions: [("model", model)]).record(depth)
    }
}
