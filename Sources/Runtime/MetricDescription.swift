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
