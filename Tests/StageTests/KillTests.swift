import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

/// Ingest and Deliver as real processes, killed with SIGKILL at random moments while 200
/// requests go through: nothing is lost; the only duplicates are sends Telegram accepted
/// just before Deliver died, which the Bot API gives no way to detect. The test prints
/// how many there were.
@Suite
struct KillTests {
    @Test func killNineDuringTwoHundredRequestsLosesNothing() async throws {
        let database = try await TestDatabase.make()
        try await database.queue.setUnlimitedQuotas()
        let emulator = BotAPIEmulator(token: StageHarness.token)
        try emulator.start()
        let renderer = StandInRenderer(connection: try await database.connect(), model: StageHarness.model, stepDelay: .milliseconds(10))
        let environment = StageHarness.processEnvironment(database: database, emulator: emulator, model: StageHarness.model)
        var ingest = try StageProcess("Ingest", environment: environment)
        var deliver = try StageProcess("Deliver", environment: environment)
        var processes = [ingest, deliver]

        let users = (0..<20).map { EmulatedUser(id: 30_000 + Int64($0), firstName: "K\($0)") }
        let sender = Task {
            for index in 0..<200 {
                emulator.sendUserMessage("castle \(index) --steps 2 --size 64x64", from: users[index % users.count])
                try? await Task.sleep(for: .milliseconds(15))
            }
        }
        // Chaos: kill one stage or the other every 150–500 ms while requests flow. Every
        // random choice comes from one printed seed (LIENZO_TEST_SEED replays it).
        var random = SeededRandom.fromEnvironment("KillTests.killNineDuringTwoHundredRequestsLosesNothing")
        var kills = (ingest: 0, deliver: 0)
        let chaosEnd = ContinuousClock.now + .seconds(4)
        while ContinuousClock.now < chaosEnd {
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...500, using: &random)))
            if Bool.random(using: &random) {
                _ = await kill9(ingest)
                kills.ingest += 1
                ingest = try StageProcess("Ingest", environment: environment)
                processes.append(ingest)
            } else {
                _ = await kill9(deliver)
                kills.deliver += 1
                deliver = try StageProcess("Deliver", environment: environment)
                processes.append(deliver)
            }
        }
        await sender.value
        // Then let them finish: every job delivered, every message sent.
        let deadline = ContinuousClock.now + .seconds(30)
        var delivered = 0
        var unsent = 0
        while ContinuousClock.now < deadline {
            delivered = try await countOf("SELECT count(*) FROM jobs WHERE state = 'delivered'", database)
            unsent = try await countOf("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')", database)
            if delivered == 200 && unsent == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for process in [ingest, deliver] {
            process.signal(SIGTERM)
            _ = await process.waitForExit(timeout: .seconds(10))
        }
        await renderer.stop()
        emulator.stop()

        let jobs = try await countOf("SELECT count(*) FROM jobs", database)
        let acks = try await countOf("SELECT count(*) FROM outbox WHERE kind = 'queued' AND state = 'sent'", database)
        let sent = emulator.sentMessages
        let photos = sent.filter { $0.method == "sendPhoto" }
        // Message ids count per chat: a request is (chat, message id).
        struct Target: Hashable { var chat: Int64; var message: Int? }
        let photoTargets = Set(photos.map { Target(chat: $0.chatID, message: $0.replyToMessageID) })
        let ackMessages = sent.filter { $0.method == "sendMessage" }
        let ackTargets = Set(ackMessages.map { Target(chat: $0.chatID, message: $0.replyToMessageID) })
        let duplicatePhotos = photos.count - photoTargets.count
        let duplicateAcks = ackMessages.count - ackTargets.count
        print("KILL (seed \(random.seed)): \(kills.ingest) Ingest and \(kills.deliver) Deliver SIGKILLs during 200 requests: jobs \(jobs), "
            + "delivered \(delivered), photos sent \(photos.count) (\(duplicatePhotos) duplicate), "
            + "acknowledgements sent \(ackMessages.count) (\(duplicateAcks) duplicate)")
        #expect(jobs == 200)
        #expect(delivered == 200)
        #expect(photoTargets.count == 200)
        #expect(acks == 200 && ackTargets.count == 200)
        // A duplicate needs a kill between Telegram's reply and the commit: at most one
        // per sender connection (2) per Deliver kill.
        #expect(duplicatePhotos + duplicateAcks <= 2 * kills.deliver)
        // The token never reached the logs (debug level) or the database.
        // (A process killed right after it started may have logged nothing; all together logged plenty.)
        #expect(processes.map(\.log.count).reduce(0, +) > 1000)
        for process in processes {
            #expect(!process.log.contains(StageHarness.token.revealed), "\(process.logPath)")
        }
        let leaked = try await countOf(
            "SELECT (SELECT count(*) FROM outbox WHERE errors::text LIKE '%TEST-stage-token%' OR args::text LIKE '%TEST-stage-token%')"
                + " + (SELECT count(*) FROM jobs WHERE errors::text LIKE '%TEST-stage-token%') AS count", database)
        #expect(leaked == 0)
    }

    /// SIGKILL: no shutdown code runs, as when the machine dies.
    private func kill9(_ process: StageProcess) async -> Int32? {
        process.signal(SIGKILL)
        return await process.waitForExit(timeout: .seconds(5))
    }

    private func countOf(_ sql: String, _ database: TestDatabase) async throws -> Int {
        try await database.connection.query(SQLText(name: "kill_\(abs(sql.hashValue))", text: sql)).first?.decode("count") ?? -1
    }
}
