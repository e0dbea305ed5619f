import BotServices
import Foundation
import Metrics
import Prometheus
import RenderStage
import Runtime
import StageSupport
import Testing
import TestSupport

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

    /// The alert rules, their unit tests and the dashboard name only metrics a stage
    /// declares, labels and all: a metric renamed or dropped cannot leave an alert that
    /// never fires or an empty panel behind.
    @Test func deployFilesNameOnlyDeclaredMetrics() throws {
        let declared = Dictionary(uniqueKeysWithValues: Self.stages.flatMap(\.descriptions).map { ($0.name, $0) })
        for file in ["deploy/prometheus/alerts.yml", "deploy/prometheus/alerts_test.yml", "deploy/grafana/lienzo.json"] {
            let text = try String(contentsOf: StageProcess.repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            let uses = text.matches(of: /(lienzo_[a-z0-9_]+)(\{[^}]*\})?/)
            #expect(!uses.isEmpty, "\(file)")
            for use in uses {
                var name = String(use.output.1)
                for suffix in ["_bucket", "_sum", "_count"] where declared[name] == nil && name.hasSuffix(suffix) {
                    name = String(name.dropLast(suffix.count))
                }
                let description = declared[name]
                #expect(description != nil, "\(file) names \(use.output.1), which no stage exports")
                // Label matchers and label values in series: only the metric's own labels.
                let labels = (use.output.2.map(String.init) ?? "").matches(of: /([a-z_]+)\s*(=~|!=|!~|=)/).map { String($0.output.1) }
                for label in labels where label != "le" && label != "instance" && label != "job" {
                    #expect(description?.labels.contains(label) == true, "\(file): \(name) has no label \(label)")
                }
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
