import BotAPIEmulator
import Foundation
import Testing
import TestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension StageLaneB {
    /// The three stage executables, each with its `/metrics` port, carry one `/generate`
    /// and a `/help` through; then each stage's `/metrics`, scraped over HTTP as Prometheus
    /// would once the samples below show (the latency histograms and Deliver's queue gauges
    /// among them), must pass `promtool check metrics` without a single complaint.
    @Suite struct StageMetricsPromtoolTests {
        static let model = StageProcess.repositoryRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/sd1-tiny").path

        @Test(.enabled(if: Promtool.path != nil, "promtool is not installed (Debian's prometheus package; scripts/install-packages.sh installs it)"))
        func eachStagesMetricsPassPromtool() async throws {
            let database = try await TestDatabase.make()
            try await database.queue.setUnlimitedQuotas()
            let emulator = BotAPIEmulator(token: StageHarness.token)
            try emulator.start()
            defer { emulator.stop() }
            let ports = try (0..<3).map { _ in try StageLaneA.WebhookTests.freePort() }
            let environment = StageHarness.processEnvironment(database: database, emulator: emulator, model: Self.model, overrides: [
                "LOG_LEVEL": "info", "LIENZO_THREADS": "1", "LIENZO_GATHER_WINDOW": "0.05", "LIENZO_SHUTDOWN_GRACE": "5",
                "INGEST_METRICS_PORT": "\(ports[0])", "LIENZO_METRICS_PORT": "\(ports[1])", "DELIVER_METRICS_PORT": "\(ports[2])",
                "DELIVER_QUEUE_METRICS_INTERVAL": "0.5",
            ])
            // With the samples each one must have recorded by the time it is scraped.
            let model = #"{model="\#(Self.model)"}"#
            let stages = [
                (try StageProcess("Ingest", environment: environment), ports[0], [#"lienzo_updates_total{outcome="enqueued"}"#]),
                (try StageProcess("Renderer", environment: environment), ports[1], [
                    "lienzo_renders_total", "lienzo_job_queued_to_started_seconds_count" + model,
                    "lienzo_job_queued_to_rendered_seconds_count" + model,
                ]),
                (try StageProcess("Deliver", environment: environment), ports[2], [
                    #"lienzo_messages_sent_total{kind="photo"}"#, "lienzo_job_rendered_to_delivered_seconds_count" + model,
                    "lienzo_job_queued_to_delivered_seconds_count" + model,
                    #"lienzo_queue_jobs{model="\#(Self.model)",state="queued"}"#, "lienzo_queue_oldest_age_seconds" + model,
                ]),
            ]
            let user = EmulatedUser(id: 51_000, firstName: "Prom", languageCode: "en")
            emulator.sendUserMessage("/help", from: user)
            emulator.sendUserMessage("/generate a lighthouse --steps 4 --size 64x64 --seed 7", from: user)

            for (stage, port, samples) in stages {
                let name = stage.process.executableURL?.lastPathComponent ?? "?"
                let exposition = try await Self.scrape(port: port, until: samples)
                #expect(exposition != nil, "\(name) never showed all of \(samples): \(stage.log.suffix(1500))")
                guard let exposition else { continue }
                let complaints = try await Promtool.checkMetrics(exposition)
                #expect(complaints == nil, "\(name): \(complaints ?? "")\n\(exposition)")
            }
            for (stage, _, _) in stages {
                stage.signal(SIGTERM)
                #expect(await stage.waitForExit(timeout: .seconds(30)) == 0, "\(stage.log.suffix(1500))")
            }
        }

        /// `GET http://127.0.0.1:port/metrics` until its body has a line starting with each
        /// of `samples` (the stage is up and has recorded them), or nil after 120 s.
        static func scrape(port: Int, until samples: [String]) async throws -> String? {
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline {
                if let (data, response) = try? await URLSession.shared.data(from: url),
                   (response as? HTTPURLResponse)?.statusCode == 200 {
                    let body = String(decoding: data, as: UTF8.self)
                    let lines = body.split(separator: "\n")
                    if samples.allSatisfy({ sample in lines.contains { $0.hasPrefix(sample + " ") } }) { return body }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }
    }
}
