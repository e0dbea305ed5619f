import BotAPIEmulator
@testable import BotServices
import Foundation
import Metrics
import Prometheus
import RenderStage
import StageSupport
import Testing
import TestSupport

/// swift-metrics bootstrapped once for this test process with the Prometheus backend the
/// stages use (help texts and buckets from the tables of every stage this process runs
/// services of), so a test reads what `/metrics` would show. Counters are process-wide and
/// other suites run meanwhile: tests compare before and after, never absolute values, or
/// use a model of their own.
enum StageMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(DescribedMetricsFactory(
            registry: registry,
            describing: IngestMetrics.descriptions + DeliverMetrics.descriptions + RetentionService.descriptions
                + QueueGaugeService.descriptions + RenderMetrics.descriptions))
        return registry
    }()

    /// The value of one sample line, `name{labels} value`; 0 when absent.
    static func value(_ series: String) -> Double {
        sample(series) ?? 0
    }

    /// The value of one sample line, `name{labels} value`; nil when the series is absent.
    static func sample(_ sample: String) -> Double? {
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }
}

extension StageLaneA {
    /// Ingest's and Deliver's metrics, read from the registry the stages' `/metrics` serves.
    @Suite struct StageMetricsTests {
        @Test func aHandledUpdateAndASentMessageAreCounted() async throws {
            _ = StageMetrics.registry
            let commands = StageMetrics.value(#"lienzo_updates_total{outcome="command"}"#)
            let texts = StageMetrics.value(#"lienzo_messages_sent_total{kind="text"}"#)
            let timedTexts = StageMetrics.value(#"lienzo_send_seconds_count{kind="text"}"#)
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            try await bot.waitFor("the help text") { $0.sentMessages(inChat: 2001).count >= 1 }
            await bot.stop()

            #expect(StageMetrics.value(#"lienzo_updates_total{outcome="command"}"#) >= commands + 1)
            #expect(StageMetrics.value(#"lienzo_messages_sent_total{kind="text"}"#) >= texts + 1)
            #expect(StageMetrics.value(#"lienzo_send_seconds_count{kind="text"}"#) >= timedTexts + 1)
            #expect(StageMetrics.value("lienzo_last_poll_timestamp_seconds") > Date().timeIntervalSince1970 - 60)
        }

        @Test func outcomesMapToAFixedLabelSet() {
            let cases = [
                ("enqueued", "enqueued"), ("refused:daily_limit", "refused"), ("rejected:too_long", "rejected"),
                ("ignored:edited", "ignored"), ("duplicate", "ignored"), ("duplicate_job:7", "ignored"),
                ("callback:new_seed", "callback"), ("status", "command"), ("cancelled:2", "command"),
                ("something a user typed", "command"),
            ]
            for (outcome, expected) in cases {
                #expect(IngestMetrics.outcomeClass(outcome) == expected, "\(outcome)")
            }
        }
    }
}
