import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

/// The whole bot as it runs in production: Ingest, Renderer (the real engine on the tiny
/// test model) and Deliver as three separate processes against the Bot API emulator and
/// PostgreSQL. 100 `/generate` requests go in while each stage is restarted once —
/// Ingest and Deliver with SIGTERM, the Renderer with SIGKILL mid-batch — and exactly
/// one PNG photo comes back for each request.
@Suite
struct ThreeStagesEndToEndTests {
    static let model = StageProcess.repositoryRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/sd1-tiny").path

    @Test func aHundredRequestsThroughThreeProcessesEachRestartedOnce() async throws {
        let database = try await TestDatabase.make()
        try await database.queue.setUnlimitedQuotas()
        let emulator = BotAPIEmulator(token: StageHarness.token)
        try emulator.start()
        defer { emulator.stop() }
        let environment = StageHarness.processEnvironment(database: database, emulator: emulator, model: Self.model, overrides: [
            "LOG_LEVEL": "info", "DELIVER_LEASE_SECONDS": "3", "DELIVER_STATUS_INTERVAL": "0.2",
            "LIENZO_RENDER_LEASE": "3", "LIENZO_RESCUE_INTERVAL": "0.5", "LIENZO_GATHER_WINDOW": "0.05",
            "LIENZO_PROGRESS_INTERVAL": "0.2", "LIENZO_METRICS_PORT": "0", "LIENZO_THREADS": "1", "LIENZO_SHUTDOWN_GRACE": "5",
        ])
        var stages = [
            "Ingest": try StageProcess("Ingest", environment: environment),
            "Renderer": try StageProcess("Renderer", environment: environment),
            "Deliver": try StageProcess("Deliver", environment: environment),
        ]
        var everyProcess = Array(stages.values)

        let users = (0..<10).map { EmulatedUser(id: 50_000 + Int64($0), firstName: "E\($0)", languageCode: $0 % 2 == 0 ? "es" : "en") }
        // A word no log line may carry: the stages log at info, and prompts never reach the logs.
        let marker = "vellum-kite-5127"
        let sender = Task {
            for index in 0..<100 {
                emulator.sendUserMessage("/generate castle \(index) \(marker) --steps 15 --size 64x64 --seed \(index)", from: users[index % users.count])
                try? await Task.sleep(for: .milliseconds(30))
            }
        }
        // Restart each stage once while requests flow; the Renderer is killed mid-batch.
        for (name, signal) in [("Ingest", SIGTERM), ("Renderer", SIGKILL), ("Deliver", SIGTERM)] {
            try await Task.sleep(for: .milliseconds(700))
            if name == "Renderer" { try await waitForRendering(database) }
            let stage = try #require(stages[name])
            stage.signal(signal)
            #expect(await stage.waitForExit(timeout: .seconds(60)) != nil, "\(name) did not stop: \(stage.log.suffix(1500))")
            let restarted = try StageProcess(name, environment: environment)
            stages[name] = restarted
            everyProcess.append(restarted)
        }
        await sender.value

        let deadline = ContinuousClock.now + .seconds(120)
        var delivered = 0
        while ContinuousClock.now < deadline {
            delivered = try await count("SELECT count(*) AS n FROM jobs WHERE state = 'delivered'", database)
            let unsent = try await count("SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')", database)
            if delivered == 100 && unsent == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for stage in stages.values {
            stage.signal(SIGTERM)
            #expect(await stage.waitForExit(timeout: .seconds(30)) == 0, "\(stage.log.suffix(1500))")
        }

        #expect(try await count("SELECT count(*) AS n FROM jobs", database) == 100)
        #expect(delivered == 100)
        #expect(try await count("SELECT count(*) AS n FROM jobs WHERE errors::text LIKE '%lease expired%'", database) >= 1,
                "the killed Renderer's batch came back through an expired lease")
        let photos = emulator.sentMessages.filter { $0.method == "sendPhoto" }
        let requests = Set(photos.map { "\($0.chatID)/\($0.replyToMessageID ?? -1)" })
        #expect(photos.count == 100, "one photo per request, no duplicates: \(photos.count) photos")
        #expect(requests.count == 100)
        let pngSignature = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(photos.allSatisfy { $0.file?.prefix(8) == pngSignature })
        for process in everyProcess {
            #expect(!process.log.contains(StageHarness.token.revealed))
            #expect(!process.log.contains(marker), "a prompt reached \(process.logPath)")
        }
    }

    private func waitForRendering(_ database: TestDatabase) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await count("SELECT count(*) AS n FROM jobs WHERE state = 'rendering'", database) > 0 { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("the Renderer never started a batch")
    }

    private func count(_ sql: String, _ database: TestDatabase) async throws -> Int {
        try await database.connection.query(SQLText(name: "TestCount\(abs(sql.hashValue))", text: sql)).first?.decode("n") ?? -1
    }
}
