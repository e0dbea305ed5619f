import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

/// The chaos suite (#14): Ingest, Renderer (the real engine on the tiny test model) and
/// Deliver as processes, against a PostgreSQL server of the test's own and the Bot API
/// emulator. N `/generate` requests go in from several users and chats while faults take
/// turns, round after round in a seeded order (`ChaosFault`): SIGKILL of each stage,
/// PostgreSQL restarted immediately, every stage connection terminated, and the Bot API
/// answering 429 storms, 5xx, slowly, or not at all (a black hole). One request is
/// poisoned: the engine fails on it (`LIENZO_TEST_FAIL_PROMPT`), so it must fail alone
/// after its attempts while its batch-mates are delivered.
///
/// At the end it prints delivered / lost / duplicated (split at the Deliver kill window)
/// and how long a photo Telegram accepted stays unrecorded, and fails on any loss or any
/// duplicate outside the window. N is `LIENZO_CHAOS_JOBS` (60 here; `scripts/chaos.sh`
/// runs 500); `LIENZO_CHAOS_SEED` replays a run's choices.
@Suite
struct ChaosTests {
    @Test func everyJobIsDeliveredOnceWhileFaultsTakeTurns() async throws {
        let started = ContinuousClock.now
        var plan = ChaosPlan()
        let traffic = ChaosTraffic(plan: &plan)
        let backend = try await RestartableBackend.start()
        let (server, database, emulator) = (backend.server, backend.database, backend.emulator)
        defer { emulator.stop() }
        let environment = StageHarness.processEnvironment(
            database: database, emulator: emulator, model: ThreeStagesEndToEndTests.model, overrides: plan.stageOverrides())
        let stages = try ChaosStages(environment: environment)

        let sender = Task { await traffic.send(to: emulator) }
        let sendingEnds = ContinuousClock.now + traffic.duration
        let monkey = ChaosMonkey(plan: plan, stages: stages, server: server, database: database, emulator: emulator)
        // Faults go on while requests flow, and for at least one round per 150 jobs.
        var rounds = 0
        repeat {
            try await monkey.round()
            rounds += 1
        } while ContinuousClock.now < sendingEnds || rounds < max(1, plan.jobs / 150)
        emulator.clearFaults()
        let requests = await sender.value

        let quiet = await waitForQuiescence(database, jobs: requests.count, timeout: .seconds(120) + plan.blackHole * 2)
        try await Task.sleep(for: .seconds(1))   // room for a wrong resend to show
        let died = stages.running.filter { !$0.value.process.isRunning }.map(\.key)
        let unclean = await stages.stop()

        let rows = try await jobRows(database)
        let tally = ChaosTally(
            requests: requests, photos: emulator.sentMessages.filter { $0.method == "sendPhoto" },
            replies: emulator.sentMessages.filter { $0.method == "sendMessage" }, jobs: rows, deliverKills: stages.deliverKills)
        let poisoned = try await database.connection.query(SQLText(name: "ChaosPoisoned", text: """
            SELECT state::text AS state, attempt, max_attempts FROM jobs WHERE prompt LIKE '%' || $1 || '%'
            """), plan.poisonMarker)
        let poisonedState: String? = try poisoned.first?.decode("state")
        let poisonedAttempts: Int? = try poisoned.first?.decode("attempt")
        let maxAttempts: Int? = try poisoned.first?.decode("max_attempts")
        let failedJobs = try await count("SELECT count(*) AS n FROM jobs WHERE state = 'failed'", database)
        let failureNotices = try await count("SELECT count(*) AS n FROM outbox WHERE kind = 'job_failed' AND state = 'sent'", database)
        let failedMessages = try await count("SELECT count(*) AS n FROM outbox WHERE state = 'failed'", database)
        let splitBatches = stages.logLines(of: "Renderer", containing: "rendering its jobs one by one")
        let faults = ChaosFault.allCases.map { "\($0.rawValue)×\(monkey.counts[$0, default: 0])" }.joined(separator: " ")

        print("CHAOS seed \(plan.random.seed), \(plan.jobs) jobs, \(rounds) rounds, \(ContinuousClock.now - started): faults \(faults) "
            + "(\(monkey.terminatedConnections) connections terminated, black hole \(plan.blackHole))")
        print("CHAOS \(tally)")
        let states = try await stateCounts(database)
        print("CHAOS job states: \(states)")
        print("CHAOS poisoned job: \(poisonedState ?? "missing") after \(poisonedAttempts ?? -1) of \(maxAttempts ?? -1) attempts, "
            + "\(tally.poisonedPhotos) photos, \(failureNotices) failure notices; batches split after a failure: \(splitBatches); "
            + "failed jobs \(failedJobs); outbox messages failed \(failedMessages)")
        for slow in tally.slowRecordings.sorted(by: { $0.accepted < $1.accepted }) {
            let held = String(format: "%.3f s", slow.recorded.timeIntervalSince(slow.accepted))
            print("CHAOS a photo stayed unrecorded \(held) during: \(monkey.faults(between: slow.accepted, and: slow.recorded))")
        }
        if !tally.lost.isEmpty { print("CHAOS lost: \(tally.lost.prefix(20))") }
        if !tally.duplicatesOutside.isEmpty { print("CHAOS duplicates outside the window: \(tally.duplicatesOutside.prefix(20))") }

        #expect(quiet, "the run did not settle: \(states)")
        #expect(requests.count == plan.jobs)
        #expect(rows.count == plan.jobs, "one job per request")
        #expect(tally.lost.isEmpty, "lost \(tally.lost.count)")
        #expect(tally.duplicatesOutside.isEmpty, "duplicates outside the kill window: \(tally.duplicatesOutside.count)")
        #expect(poisonedState == "failed" && poisonedAttempts == maxAttempts, "the poisoned job fails after its attempts")
        #expect(tally.poisonedPhotos == 0)
        #expect(failedJobs == 1, "only the poisoned job fails")
        #expect(failureNotices == 1, "its user is told")
        #expect(splitBatches >= 1, "the poisoned job never had batch-mates")
        #expect(died.isEmpty && stages.deaths.isEmpty, "stages died on their own: \(died) \(stages.deaths)")
        #expect(unclean.isEmpty, "\(unclean)")
        for process in stages.everyProcess {
            #expect(!process.log.contains(StageHarness.token.revealed), "\(process.logPath)")
        }
    }

    /// Until every job has ended and every message has gone, or `timeout`. The test's
    /// connection may be reconnecting after a restart: a failed query is asked again.
    private func waitForQuiescence(_ database: TestDatabase, jobs: Int, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let settled = try? await count("""
                SELECT ((SELECT count(*) FROM jobs WHERE state IN ('delivered', 'failed', 'cancelled')) = \(jobs)
                    AND NOT EXISTS (SELECT FROM outbox WHERE state IN ('pending', 'sending')))::int AS n
                """, database)
            if settled == 1 { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    private func jobRows(_ database: TestDatabase) async throws -> [ChaosJobRow] {
        let rows = try await database.connection.query(SQLText(name: "ChaosJobRows", text: """
            SELECT chat_id, message_id, state::text AS state, telegram_message_id,
                   extract(epoch FROM delivered_at)::float8 AS delivered_epoch
              FROM jobs
            """))
        return try rows.map { row in
            let message: Int64? = try row.decode("message_id")
            let telegramMessage: Int64? = try row.decode("telegram_message_id")
            let delivered: Double? = try row.decode("delivered_epoch")
            return ChaosJobRow(
                chatID: try row.decode("chat_id"), messageID: Int(message ?? -1), state: try row.decode("state"),
                telegramMessageID: telegramMessage.map(Int.init), deliveredAt: delivered.map { Date(timeIntervalSince1970: $0) })
        }
    }

    private func stateCounts(_ database: TestDatabase) async throws -> String {
        let rows = try await database.connection.query(SQLText(
            name: "ChaosStates", text: "SELECT state::text AS state, count(*) AS n FROM jobs GROUP BY state ORDER BY state"))
        return try rows.map { "\(try $0.decode("state", as: String.self)) \(try $0.decode("n", as: Int.self))" }.joined(separator: ", ")
    }

    private func count(_ sql: String, _ database: TestDatabase) async throws -> Int {
        try await database.connection.query(SQLText(name: "ChaosCount\(abs(sql.hashValue))", text: sql)).first?.decode("n") ?? -1
    }
}
