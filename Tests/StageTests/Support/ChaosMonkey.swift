import BotAPIEmulator
import Foundation
import Schema
import TestSupport

/// Causes the chaos suite's faults, one at a time, against the stage processes, their
/// PostgreSQL server and the Bot API emulator; every choice comes from the plan's seed.
final class ChaosMonkey {
    let stages: ChaosStages
    let server: PrivatePostgresServer
    let database: TestDatabase
    let emulator: BotAPIEmulator
    private(set) var plan: ChaosPlan
    private(set) var counts: [ChaosFault: Int] = [:]
    private(set) var terminatedConnections = 0
    /// When each fault began and ended (wall clock), to tell what held up a slow recording.
    private(set) var timeline: [(fault: ChaosFault, from: Date, to: Date)] = []

    init(plan: ChaosPlan, stages: ChaosStages, server: PrivatePostgresServer, database: TestDatabase, emulator: BotAPIEmulator) {
        self.plan = plan
        self.stages = stages
        self.server = server
        self.database = database
        self.emulator = emulator
    }

    /// Every fault once, in a seeded order, with a seeded pause of calm before each.
    func round() async throws {
        for fault in ChaosFault.allCases.shuffled(using: &plan.random) {
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500, using: &plan.random)))
            try await inflict(fault)
        }
    }

    func inflict(_ fault: ChaosFault) async throws {
        counts[fault, default: 0] += 1
        let began = Date()
        defer { timeline.append((fault, began, Date())) }
        switch fault {
        case .killIngest: try await stages.killAndRestart("Ingest")
        case .killRenderer: try await stages.killAndRestart("Renderer")
        case .killDeliver:
            // Half the time (a seeded coin), aim at the window: right after Telegram accepts a photo.
            if Bool.random(using: &plan.random) { await nextPhotoAccepted(within: .seconds(2)) }
            try await stages.killAndRestart("Deliver")
        case .restartPostgres: try server.crashAndRestart()
        case .terminateConnections: terminatedConnections += try await terminateStageConnections()
        case .tooManyRequests:
            let retryAfter = Int.random(in: 1...3, using: &plan.random)
            try await apiFault(.tooManyRequests(retryAfter: retryAfter), times: Int.random(in: 10...30, using: &plan.random), for: .seconds(retryAfter + 1))
        case .serverErrors:
            // Few: each one costs a row one of its five delivery attempts.
            let kind: Fault.Kind = Bool.random(using: &plan.random)
                ? .serverError(status: [500, 502, 503].randomElement(using: &plan.random) ?? 500, description: "Internal Server Error")
                : .invalidBody(status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>")
            try await apiFault(kind, times: Int.random(in: 2...4, using: &plan.random), for: .seconds(2))
        case .slowReplies:
            let delay = Duration.milliseconds(Int.random(in: 300...1500, using: &plan.random))
            try await apiFault(.delay(delay), times: Int.random(in: 10...20, using: &plan.random), for: delay * 3)
        case .blackHole:
            let end = ContinuousClock.now + plan.blackHole
            try await apiFault(.blackHole(until: end), times: 1_000_000, for: plan.blackHole)
        }
    }

    /// Scripts `kind` for the next `times` Bot API requests of any method (the polls
    /// included), lets it act for `duration`, then lifts what is left of it.
    private func apiFault(_ kind: Fault.Kind, times: Int, for duration: Duration) async throws {
        emulator.addFault(kind, times: times)
        try await Task.sleep(for: duration)
        emulator.clearFaults()
    }

    /// The faults that overlapped `from`…`to`, by name.
    func faults(between from: Date, and to: Date) -> [String] {
        timeline.filter { $0.from <= to && $0.to >= from }.map(\.fault.rawValue)
    }

    private func nextPhotoAccepted(within timeout: Duration) async {
        let photos = emulator.sentMessages.filter { $0.method == "sendPhoto" }.count
        _ = await emulator.waitUntil(timeout: timeout) { snapshot in
            snapshot.sentMessages.lazy.filter { $0.method == "sendPhoto" }.count > photos
        }
    }

    /// Cuts every stage connection (the stages name theirs `lienzo-<stage>`) while the
    /// server stays up; returns how many there were.
    private func terminateStageConnections() async throws -> Int {
        let sql = SQLText(name: "ChaosTerminate", text: """
            SELECT count(*) AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name LIKE 'lienzo-%' AND pid <> pg_backend_pid()) AS cut
            """)
        // The test's own connection may still be reconnecting after a restart.
        for _ in 0..<50 {
            if let rows = try? await database.connection.query(sql) { return try rows.first?.decode("n") ?? 0 }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("could not reach PostgreSQL to terminate the stage connections")
    }
}
