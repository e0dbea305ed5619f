import BotAPIEmulator
import Foundation
import RenderStage
import Schema
import ServiceLifecycle
import Testing
import TestSupport

extension StageLaneA {
    /// The four spans of a job's life, each recorded by the stage that makes its transition
    /// (the Renderer: queued → started and → rendered; Deliver: rendered → delivered and
    /// queued → delivered) from the row's own timestamps: Ingest, the real RenderService
    /// and Deliver carry one request, whose row says it was queued 100 s ago.
    @Suite struct LatencyMetricsTests {
        /// This suite's own model, so that no other test's jobs land in these histograms.
        static let model = "latency-e2e"

        /// Renders at once: the stand-in PNG for every request.
        struct InstantEngine: RenderEngine {
            let model: String
            func validate(_ request: RenderRequest) throws {}
            func render(_ requests: [RenderRequest], progress: (RenderProgress) throws -> Void) throws -> [RenderedImage] {
                requests.map { _ in RenderedImage(png: StandInRenderer.png) }
            }
        }

        static func histogram(_ name: String, _ suffix: String) -> Double? {
            StageMetrics.sample(#"lienzo_job_\#(name)_seconds_\#(suffix)"#)
        }

        static func bucket(_ name: String, le: String) -> Double? {
            histogram(name, #"bucket{model="\#(model)",le="\#(le)"}"#)
        }

        @Test func aJobQueuedLongAgoLandsInTheBucketsOfItsWait() async throws {
            _ = StageMetrics.registry
            var ingest = StageHarness.ingestConfiguration()
            ingest.limits.model = Self.model
            let bot = try await StageHarness(render: false, ingestConfiguration: ingest)
            bot.emulator.sendUserMessage("/generate a lighthouse that waited --steps 2 --size 64x64", from: bot.alice)
            #expect(try await bot.state("SELECT state::text AS state FROM jobs", reaching: "queued") == "queued")
            // Queued 100 s ago by the database's clock, as when every Renderer was busy or down:
            // a Renderer started only now must still measure the whole wait.
            try await bot.database.sql("UPDATE jobs SET created_at = created_at - interval '100 seconds'")

            var configuration = RenderConfiguration(owner: "latency-renderer")
            configuration.gatherWindow = .milliseconds(20)
            configuration.pollInterval = .milliseconds(100)
            let (work, listen) = (try await bot.database.connect(), try await bot.database.connect())
            let renderer = ServiceGroup(
                services: [RenderService(engine: InstantEngine(model: Self.model), queue: JobQueue(work), listener: listen,
                                         configuration: configuration, logger: TestDatabase.testLogger)],
                logger: TestDatabase.testLogger)
            let rendering = Task { try await renderer.run() }
            try await bot.waitFor("the photo") { $0.sentMessages.contains { $0.method == "sendPhoto" } }
            // Deliver records the span right after the row is marked delivered.
            let deadline = ContinuousClock.now + .seconds(10)
            while Self.histogram("queued_to_delivered", #"count{model="\#(Self.model)"}"#) == nil && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            await renderer.triggerGracefulShutdown()
            try await rendering.value
            await bot.stop()
            for connection in [work, listen] { await connection.close() }

            // One job, 100 s and a moment since it was queued: above 60, at most 120.
            for span in ["queued_to_started", "queued_to_rendered", "queued_to_delivered"] {
                #expect(Self.histogram(span, #"count{model="\#(Self.model)"}"#) == 1, "\(span)")
                #expect(Self.bucket(span, le: "60.0") == 0, "\(span)")
                #expect(Self.bucket(span, le: "120.0") == 1, "\(span)")
                let sum = try #require(Self.histogram(span, #"sum{model="\#(Self.model)"}"#))
                #expect(sum >= 100 && sum < 120, "\(span): \(sum)")
            }
            // Sent a moment after it was rendered.
            #expect(Self.histogram("rendered_to_delivered", #"count{model="\#(Self.model)"}"#) == 1)
            #expect(Self.bucket("rendered_to_delivered", le: "10.0") == 1)
            #expect(try #require(Self.histogram("rendered_to_delivered", #"sum{model="\#(Self.model)"}"#)) < 10)
        }
    }
}
