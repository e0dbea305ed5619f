import BotAPIEmulator
import Foundation
import Testing
import TestSupport

extension StageLaneA {
    @Suite struct PacingTests {
        /// With the emulator enforcing flood limits (scaled down to keep the test short),
        /// Deliver oversteps none, and a chat with a backlog does not hold up another.
        @Test func staysUnderFloodLimitsWithoutOneChatBlockingOthers() async throws {
            var configuration = StageHarness.deliverConfiguration()
            configuration.chatInterval = 0.3
            configuration.groupInterval = 0.3
            configuration.globalRate = 6
            let bot = try await StageHarness(render: false, deliverConfiguration: configuration)
            bot.emulator.enforceFloodLimits(FloodLimits(
                perChat: .init(1, per: .milliseconds(200)), perGroup: .init(1, per: .milliseconds(200)), global: .init(8, per: .seconds(1))))
            let group = EmulatedChat.group(id: -9001, title: "Busy group")
            for index in 0..<6 { bot.emulator.sendUserMessage("/quota \(index)", from: bot.alice) }
            for _ in 0..<2 { bot.emulator.sendUserMessage("/help@lienzo_bot", from: bot.alice, in: group) }
            bot.emulator.sendUserMessage("/help", from: bot.bruno)
            try await bot.waitFor("nine replies", timeout: .seconds(15)) { $0.sentMessages.count == 9 }
            await bot.stop()
            #expect(bot.emulator.snapshot.floodRejections == 0)
            let order = bot.emulator.sentMessages.map(\.chatID)
            let brunoAt = try #require(order.firstIndex(of: 2002))
            let aliceLast = try #require(order.lastIndex(of: 2001))
            #expect(brunoAt < aliceLast)
        }
    }
}
