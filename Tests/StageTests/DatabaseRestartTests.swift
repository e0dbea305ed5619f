import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

/// The three stage processes against a PostgreSQL server of the test's own, which is
/// restarted with `pg_ctl restart -m immediate` (every connection cut mid-statement)
/// twice while requests flow. Every stage stays up, says in its log that it
/// reconnected (with warnings, not errors), and every request gets exactly one photo.
@Suite
struct DatabaseRestartTests {
    @Test func everyStageSurvivesAnImmediateRestartOfPostgreSQL() async throws {
        let backend = try await RestartableBackend.start()
        let (server, database, emulator) = (backend.server, backend.database, backend.emulator)
        defer { emulator.stop() }
        let environment = StageHarness.processEnvironment(
            database: database, emulator: emulator, model: ThreeStagesEndToEndTests.model,
            overrides: [
                "LOG_LEVEL": "info", "LIENZO_RENDER_LEASE": "3", "LIENZO_RESCUE_INTERVAL": "0.5",
                "LIENZO_GATHER_WINDOW": "0.05", "LIENZO_METRICS_PORT": "0", "LIENZO_THREADS": "1",
            ])
        let stages = try ["Ingest", "Renderer", "Deliver"].map { try StageProcess($0, environment: environment) }
        let user = EmulatedUser(id: 70_001, firstName: "Rita", languageCode: "es")
        func send(_ range: Range<Int>) {
            for index in range { emulator.sendUserMessage("/generate dam \(index) --steps 4 --size 64x64", from: user) }
        }

        send(0..<6)
        try await waitUntil("a first photo", database) { try await $0.count("state = 'delivered'") >= 1 }
        try server.crashAndRestart()
        send(6..<12)
        try await waitUntil("a photo after the first restart", database) { try await $0.count("state = 'delivered'") >= 7 }
        try server.crashAndRestart()
        send(12..<18)
        try await waitUntil("every photo", database, timeout: .seconds(120)) { try await $0.count("state = 'delivered'") == 18 }

        for stage in stages {
            #expect(stage.process.isRunning, "a stage died: \(stage.log.suffix(2000))")
            #expect(stage.log.contains("reconnected to PostgreSQL"), "\(stage.log.suffix(2000))")
            // A lost connection is expected weather, logged as a warning; an error line
            // means some path did not recognise it (and, before, stopped the stage).
            let errorLines = stage.log.split(separator: "\n").filter { $0.contains("+0000 error ") || $0.hasPrefix("error:") }
            #expect(errorLines.isEmpty, "\(errorLines.prefix(3))")
        }
        for stage in stages {
            stage.signal(SIGTERM)
            #expect(await stage.waitForExit(timeout: .seconds(30)) == 0, "\(stage.log.suffix(1500))")
        }
        let photos = emulator.sentMessages.filter { $0.method == "sendPhoto" }
        #expect(photos.count == 18, "one photo per request: \(photos.count)")
        #expect(Set(photos.map(\.replyToMessageID)).count == 18)
    }

    private func waitUntil(
        _ what: String, _ database: TestDatabase, timeout: Duration = .seconds(60),
        _ condition: (JobCounter) async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // The test's own connection is cut by the restarts too; it reconnects on the next query.
            if (try? await condition(JobCounter(database: database))) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("timed out waiting for \(what)")
    }

    private struct JobCounter {
        let database: TestDatabase
        func count(_ predicate: String) async throws -> Int {
            let sql = "SELECT count(*) AS n FROM jobs WHERE " + predicate
            return try await database.connection.query(SQLText(name: "RestartCount\(abs(sql.hashValue))", text: sql)).first?.decode("n") ?? -1
        }
    }
}
