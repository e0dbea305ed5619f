import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

/// Throughput of Ingest (updates/s) and Deliver (messages/s) against the emulator and
/// the test PostgreSQL. Not a timed test: it prints numbers, and runs only with
/// LIENZO_BENCH=1:
///     LIENZO_BENCH=1 scripts/test.sh --filter StageBenchmark
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["LIENZO_BENCH"] != nil))
struct StageBenchmark {
    @Test func ingestUpdatesPerSecond() async throws {
        let count = 3000
        let bot = try await StageHarness(render: false, deliver: false)
        let users = (0..<100).map { EmulatedUser(id: 50_000 + Int64($0), firstName: "B\($0)") }
        let started = ContinuousClock.now
        for index in 0..<count { bot.emulator.sendUserMessage("a castle number \(index) --steps 10", from: users[index % users.count]) }
        while try await bot.count("SELECT count(*) FROM telegram_updates") < count { try await Task.sleep(for: .milliseconds(10)) }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        await bot.stop()
        print(String(format: "BENCH ingest: %d updates (each a job + an outbox row) in %.2f s = %.0f updates/s", count, seconds, Double(count) / seconds))
        #expect(try await bot.count("SELECT count(*) FROM jobs") == count)
    }

    @Test func deliverMessagesPerSecond() async throws {
        let count = 3000
        let bot = try await StageHarness(render: false, ingest: false, deliver: false)
        let chats = (0..<200).map { Int64(60_000 + $0) }
        for chat in chats { bot.emulator.addChat(.private(with: EmulatedUser(id: chat))) }
        for index in 0..<count {
            try await bot.database.queue.insertOutbox(OutboxMessage(chatID: chats[index % chats.count], kind: "help"))
        }
        let started = ContinuousClock.now
        let (deliver, running) = try await bot.startLateDeliver()
        try await bot.waitFor("every message", timeout: .seconds(120)) { $0.sentMessages.count >= count }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        await deliver.triggerGracefulShutdown()
        await running.value
        await bot.stop()
        print(String(format: "BENCH deliver: %d messages to %d chats, pacing off, 3 connections, in %.2f s = %.0f messages/s",
                     count, chats.count, seconds, Double(count) / seconds))
        #expect(try await bot.count("SELECT count(*) FROM outbox WHERE state = 'sent'") == count)
    }
}
