import BotAPIEmulator
import Telegram
import Testing

@Suite("Emulated flood control")
struct FloodLimitTests {
    @Test("per-chat, per-group and global limits answer 429 with retry_after and count each overstep")
    func limits() async throws {
        let harness = try EmulatorHarness()
        let carla = EmulatedUser(id: 1003, firstName: "Carla")
        let group = EmulatedChat.group(id: -5001, title: "Painters")
        harness.aliceSaysHello()
        harness.emulator.sendUserMessage("/start", from: harness.bruno)
        harness.emulator.sendUserMessage("/start", from: carla)
        harness.emulator.sendUserMessage("/generate x", from: carla, in: group)
        harness.emulator.enforceFloodLimits(
            FloodLimits(
                perChat: .init(2, per: .seconds(10)), perGroup: .init(1, per: .seconds(60)), global: .init(4, per: .seconds(10))
            ))
        let client = harness.client

        try await client.sendMessage(chatID: harness.alice.id, text: "1")
        try await client.sendMessage(chatID: harness.alice.id, text: "2")
        let perChat = try #require(await Expect.telegramError { try await client.sendMessage(chatID: harness.alice.id, text: "3") })
        #expect(perChat.code == .tooManyRequests)
        #expect((1...10).contains(perChat.retryAfter ?? 0))

        try await client.sendMessage(chatID: group.id, text: "group 1")
        let perGroup = try #require(await Expect.telegramError { try await client.sendMessage(chatID: group.id, text: "group 2") })
        #expect((50...60).contains(perGroup.retryAfter ?? 0), "a 1/min group window should ask for most of a minute")

        try await client.sendMessage(chatID: harness.bruno.id, text: "to bruno")
        let global = try #require(await Expect.telegramError { try await client.sendMessage(chatID: carla.id, text: "to carla") })
        #expect(global.code == .tooManyRequests)

        #expect(harness.emulator.snapshot.floodRejections == 3)
        #expect(harness.emulator.sentMessages.map(\.text) == ["1", "2", "group 1", "to bruno"])

        harness.emulator.enforceFloodLimits(nil)
        try await client.sendMessage(chatID: carla.id, text: "to carla")
        #expect(harness.emulator.sentMessages.count == 5)
    }
}
