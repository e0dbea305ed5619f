import BotServices
import Metrics
import Prometheus
import RenderStage
import Runtime
import StageSupport
import Testing

/// Every metric each stage declares, made once through the stages' backend with a value and
/// made-up label values, as `/metrics` would show it: each has its `# HELP`, and promtool's
/// lint passes, including the metrics a short run never records (429s, flagged images,
/// webhook answers). The stages' real output is checked in `StageMetricsPromtoolTests`.
@Suite struct MetricDescriptionTests {
    static let stages: [(stage: String, descriptions: [MetricDescription])] = [
        ("Ingest", IngestMetrics.descriptions),
        ("Renderer", RenderMetrics.descriptions),
        ("Deliver", DeliverMetrics.descriptions + RetentionService.descriptions + QueueGaugeService.descriptions),
    ]

    /// What `/metrics` shows once each of `descriptions` has recorded a value.
    static func exposition(_ descriptions: [MetricDescription]) -> String {
        let registry = PrometheusCollectorRegistry()
        let factory = DescribedMetricsFactory(registry: registry, describing: descriptions)
        for description in descriptions {
            let dimensions = description.labels.map { ($0, "some_\($0)") }
            switch description.kind {
            case .counter: factory.makeCounter(label: description.name, dimensions: dimensions).increment(by: 1)
            case .gauge: factory.makeRecorder(label: description.name, dimensions: dimensions, aggregate: false).record(1.0)
            case .histogram: factory.makeRecorder(label: description.name, dimensions: dimensions, aggregate: true).record(1.0)
            }
        }
        return registry.emitToString()
    }

    @Test func namesFollowPrometheusConventions() {
        let all = Self.stages.flatMap(\.descriptions)
        #expect(Set(all.map(\.name)).count == all.count, "a metric name is declared twice")
        for description in all {
            #expect(description.name.hasPrefix("lienzo_"), "\(description.name)")
            // Counters end in _total and nothing else does (promtool's rule, both ways).
            #expect(description.name.hasSuffix("_total") == (description.kind == .counter), "\(description.name)")
            #expect(!description.help.isEmpty, "\(description.name)")
        }
    }

    @Test func everyTypeLineFollowsItsHelpLine() {
        for (stage, descriptions) in Self.stages {
            let lines = Self.exposition(descriptions).split(separator: "\n").map(String.init)
            let types = lines.indices.filter { lines[$0].hasPrefix("# TYPE ") }
            #expect(types.count == descriptions.count, "\(stage): \(lines)")
            for index in types {
                let name = lines[index].split(separator: " ")[2]
                #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "\(stage): \(name) has no # HELP")
            }
        }
    }

    @Test(.enabled(if: Promtool.path != nil, "promtool is not installed (Debian's prometheus package; scripts/install-packages.sh installs it)"))
    func promtoolPassesEveryDeclaredMetric() async throws {
        for (stage, descriptions) in Self.stages {
            let complaints = try await Promtool.checkMetrics(Self.exposition(descriptions))
            #expect(complaints == nil, "\(stage): \(complaints ?? "")")
        }
    }
}
