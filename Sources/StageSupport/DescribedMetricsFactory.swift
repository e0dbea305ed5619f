import Metrics
import Prometheus
import Runtime

/// The stages' swift-metrics backend: swift-prometheus's registry, with each metric's help
/// text and buckets taken from the stage's `MetricDescription` table.
///
/// swift-prometheus's own `PrometheusMetricsFactory` registers every metric with an empty
/// help text, so `/metrics` carried no `# HELP` lines and `promtool check metrics` failed on
/// each one; the registry can write them, but only when the metric is made through it with
/// the text. A name missing from the table still works, without `# HELP` (the stage tests'
/// promtool check catches that).
public struct DescribedMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    let descriptions: [String: MetricDescription]
    // Kept for its default buckets and for unregistering, which need no help text.
    let prometheus: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry, describing descriptions: [MetricDescription]) {
        self.registry = registry
        self.descriptions = Dictionary(descriptions.map { ($0.name, $0) }) { first, _ in first }
        self.prometheus = PrometheusMetricsFactory(registry: registry)
    }

    /// The registry's descriptor for `label`: the name as it is, and the table's help text.
    func descriptor(_ label: String, _ kind: MetricDescription.Kind) -> MetricNameDescriptor {
        let description = descriptions[label]
        // A call site that records a metric differently from its declaration is a bug.
        assert(description == nil || description?.kind == kind, "\(label) is declared \(String(describing: description?.kind)), recorded as \(kind)")
        return MetricNameDescriptor(metricName: label, unitName: "", helpText: description?.help ?? "")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label, .counter), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label, .counter), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label, .gauge), labels: dimensions) }
        let buckets = descriptions[label]?.buckets ?? prometheus.defaultValueHistogramBuckets
        return registry.makeValueHistogram(descriptor: descriptor(label, .histogram), labels: dimensions, buckets: buckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label, .gauge), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = descriptions[label]?.buckets.map { $0.map { Duration.seconds($0) } } ?? prometheus.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(descriptor: descriptor(label, .histogram), labels: dimensions, buckets: buckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { prometheus.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}
