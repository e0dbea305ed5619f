/// One metric a stage exports, declared once: its name, what swift-metrics call records it,
/// the labels it carries, and the help text Prometheus shows as `# HELP` (promtool's lint
/// rejects a metric without one). Each stage keeps a table of these next to the code that
/// records them (`IngestMetrics.descriptions`, …), and the stage's metrics backend reads the
/// help text and the buckets from it.
public struct MetricDescription: Sendable {
    /// The swift-metrics call that records it, and so its Prometheus type.
    public enum Kind: Sendable, Equatable {
        /// `Counter`: a Prometheus counter, whose name ends in `_total`.
        case counter
        /// `Gauge` (a non-aggregating `Recorder`): a Prometheus gauge.
        case gauge
        /// An aggregating `Recorder`, or a `Timer` (in seconds): a Prometheus histogram.
        case histogram
    }

    public let name: String
    public let kind: Kind
    /// Label names, in the order the call sites pass them.
    public let labels: [String]
    public let help: String
    /// A histogram's upper bounds, in the metric's unit (seconds for a `Timer`); nil keeps
    /// the backend's defaults.
    public let buckets: [Double]?

    public init(_ name: String, _ kind: Kind, labels: [String] = [], help: String, buckets: [Double]? = nil) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
        self.buckets = buckets
    }
}

extension MetricDescription {
    /// Upper bounds, in seconds, for the spans of a job's life: a job waits from a moment
    /// to many minutes in the queue, and a render takes a second to several minutes on a CPU.
    public static let jobLatencyBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600]

    /// A histogram of one span of a job's life, in seconds, by model (configured, so bounded),
    /// with `jobLatencyBuckets`.
    public static func jobLatency(_ name: String, help: String) -> MetricDescription {
        MetricDescription(name, .histogram, labels: ["model"], help: help, buckets: jobLatencyBuckets)
    }
}
