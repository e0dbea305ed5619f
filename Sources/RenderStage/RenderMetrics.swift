import Metrics
import Runtime
import Schema

/// The Renderer's metrics through swift-metrics (exported by whatever backend the
/// executable bootstraps; Prometheus at /metrics), declared in `descriptions`.
public struct RenderMetrics: Sendable {
    // The queue's own gauges (jobs per state and model, the oldest queued job's age) come
    // from Deliver's QueueGaugeService: one stage, so one series each.
    static let queuedToStarted = MetricDescription.jobLatency(
        "lienzo_job_queued_to_started_seconds",
        help: "Seconds from a job being queued to its first render start (the queue wait), by the database's clock.")
    static let queuedToRendered = MetricDescription.jobLatency(
        "lienzo_job_queued_to_rendered_seconds",
        help: "Seconds from a job being queued to its image being stored (wait, retries and render), by the database's clock.")
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
    public static let descriptions = [queuedToStarted, queuedToRendered, batchSize, secondsPerStep, renders, failures, flaggedImages]

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

    /// The queue wait of each job claimed for the first time.
    func claimed(_ jobs: [JobQueue.ClaimedJob]) {
        for job in jobs {
            guard let wait = job.queueWait else { continue }
            Recorder(label: Self.queuedToStarted.name, dimensions: [("model", job.request.model)]).record(wait)
        }
    }

    func rendered(_ finished: [JobLatency]) {
        for job in finished {
            Recorder(label: Self.queuedToRendered.name, dimensions: [("model", job.model)]).record(job.sinceQueued)
        }
    }
}
