import Foundation
import Logging
import RenderStage
import Schema
import ServiceLifecycle
import Testing
import TestSupport

/// The Renderer's logs never carry a prompt at info or above, through every path a job
/// can take: rendered, rejected by the engine, failing with its batch, blocked by the
/// image checker.
extension RenderServiceTests {
    @Test func promptsNeverReachTheRenderersLogsAtInfoOrAbove() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let secret = "marmot-quill-3318"
        for (update, prompt) in ["a good \(secret)", "poison \(secret)", "reject \(secret)", "flagged \(secret)"].enumerated() {
            _ = try await db.queue.enqueueAccepted(Fixtures.request(prompt), from: Fixtures.origin(update: Int64(update + 1), user: 1))
        }
        let logs = LogCollector()
        let logger = logs.logger()
        var configuration = RenderConfiguration(owner: "test-renderer")
        configuration.gatherWindow = .milliseconds(20)
        configuration.pollInterval = .milliseconds(100)
        configuration.retry = RetryPolicy(baseSeconds: 0)
        let service = RenderService(engine: StandInEngine(), queue: JobQueue(try await db.connect()), listener: try await db.connect(),
                                    configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [service], logger: logger)
        let running = Task { try await group.run() }
        let states = try await settle(db)
        await group.triggerGracefulShutdown()
        try await running.value

        #expect(Set(states.values) == ["rendered", "failed"])
        #expect(logs.lines.contains { $0.level >= .notice }, "the failures were logged")
        #expect(logs.lines(containing: secret, atLeast: .info).isEmpty)
    }
}
