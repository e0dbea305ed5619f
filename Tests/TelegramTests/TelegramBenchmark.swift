import BotAPIEmulator
import Foundation
import Runtime
import Telegram
import Testing

/// Throughput of the client against the emulator on loopback. Not a timed test: it
/// prints numbers and asserts only that every message arrived. Run it with
/// `LIENZO_BENCHMARK=1 swift test -c release --filter TelegramBenchmark`.
@Suite("Telegram client throughput", .enabled(if: ProcessInfo.processInfo.environment["LIENZO_BENCHMARK"] != nil))
struct TelegramBenchmark {
    @Test("sendMessage and sendPhoto messages/s, 1 and 4 connections; getUpdates updates/s")
    func throughput() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let png = TestPNG.make(width: 64, height: 64)
        let clients = try [harness.client] + (1..<4).map { _ in try harness.makeClient() }
        let chat = harness.alice.id

        let textRate = try await measure("sendMessage", count: 2000, clients: [harness.client]) { client, index in
            try await client.sendMessage(chatID: chat, text: "Rendering: step \(index)/20")
        }
        let textRate4 = try await measure("sendMessage", count: 4000, clients: clients) { client, index in
            try await client.sendMessage(chatID: chat, text: "Rendering: step \(index)/20")
        }
        let photoRate = try await measure("sendPhoto (\(png.count) B PNG)", count: 1000, clients: [harness.client]) { client, _ in
            try await client.sendPhoto(chatID: chat, photo: .png(png), caption: "a castle at dusk · seed 42")
        }
        let photoRate4 = try await measure("sendPhoto (\(png.count) B PNG)", count: 2000, clients: clients) { client, _ in
            try await client.sendPhoto(chatID: chat, photo: .png(png), caption: "a castle at dusk · seed 42")
        }
        #expect(harness.emulator.sentMessages.count == 9000)
        #expect(harness.emulator.acceptedConnections == 4)
        #expect([textRate, textRate4, photoRate, photoRate4].allSatisfy { $0 > 0 })

        for index in 0..<10_000 { harness.emulator.sendUserMessage("/generate prompt \(index)", from: harness.alice) }
        let clock = ContinuousClock()
        let started = clock.now
        var offset: Int?
        var received = 0
        while received < 10_001 {
            let batch = try await harness.client.getUpdates(offset: offset, limit: 100)
            received += batch.count
            offset = batch.last.map { $0.updateID + 1 } ?? offset
        }
        let seconds = (clock.now - started).seconds
        print("getUpdates: \(received) updates in \(format(seconds)) s = \(format(Double(received) / seconds)) updates/s (limit 100)")
        #expect(received == 10_001)
    }

    /// Sends `count` messages spread over `clients`, one connection each, and prints the rate.
    func measure(
        _ label: String, count: Int, clients: [TelegramClient],
        _ send: @escaping @Sendable (TelegramClient, Int) async throws -> Message
    ) async throws -> Double {
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (slot, client) in clients.enumerated() {
                group.addTask {
                    for index in stride(from: slot, to: count, by: clients.count) { _ = try await send(client, index) }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (clock.now - started).seconds
        let rate = Double(count) / seconds
        print("\(label): \(count) in \(format(seconds)) s = \(format(rate)) messages/s over \(clients.count) connection(s)")
        return rate
    }

    func format(_ value: Double) -> String { String(format: "%.2f", value) }
}
