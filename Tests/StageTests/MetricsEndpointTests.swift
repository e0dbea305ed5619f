@testable import BotAPIEmulator
import Foundation
import ServiceLifecycle
import StageSupport
import Testing
import TestSupport

/// `/metrics` over a real socket, served by the one HTTP server (`EmbeddedHTTP`), and
/// gone after a graceful shutdown.
@Suite struct MetricsEndpointTests {
    @Test func servesMetricsOnlyAndStopsAtShutdown() async throws {
        let port = try StageLaneA.WebhookTests.freePort()
        let endpoint = MetricsEndpoint(port: UInt16(port), logger: TestDatabase.testLogger) { "lienzo_test_total 1\n" }
        let group = ServiceGroup(configuration: .init(services: [.init(service: endpoint)], logger: TestDatabase.testLogger))
        let task = Task { try await group.run() }
        func get(_ path: String, method: String = "GET") -> Int {
            WebhookPoster.post(url: "http://127.0.0.1:\(port)\(path)", body: Data(), secretToken: nil, timeout: .seconds(5), method: method).status
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while get("/metrics") != 200 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(get("/metrics") == 200)
        #expect(get("/") == 404)
        #expect(get("/metrics", method: "POST") == 404)
        await group.triggerGracefulShutdown()
        try await task.value
        #expect(get("/metrics") == 0)
    }
}
