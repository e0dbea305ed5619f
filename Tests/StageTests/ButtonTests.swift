import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

extension StageLaneA {
    /// The inline buttons under a delivered photo, pressed through the emulator.
    @Suite struct ButtonTests {
        @Test func newSeedMoreStepsAndSendAsFile() async throws {
            let bot = try await StageHarness()
            bot.emulator.sendUserMessage("/imagine a lighthouse --seed 7 --steps 4 --size 64x64", from: bot.alice)
            try await bot.waitFor("the photo") { $0.sentMessages.contains { $0.method == "sendPhoto" } }
            let photo = try #require(bot.emulator.sentMessages.first { $0.method == "sendPhoto" })
            let buttons = photo.buttons.flatMap { $0 }
            let seedData = try #require(buttons.first { $0.text == "🎲 New seed" }?.callbackData)
            let stepsData = try #require(buttons.first { $0.text == "➕ More steps" }?.callbackData)
            let fileData = try #require(buttons.first { $0.text == "📄 Send as file" }?.callbackData)

            bot.emulator.pressButton(data: seedData, onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            bot.emulator.pressButton(data: stepsData, onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            bot.emulator.pressButton(data: fileData, onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            bot.emulator.pressButton(data: "s:999999", onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            bot.emulator.pressButton(data: "'; DROP TABLE jobs; --", onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            try await bot.waitFor("three photos and a document") { snapshot in
                snapshot.sentMessages.filter { $0.method == "sendPhoto" }.count == 3
                    && snapshot.sentMessages.contains { $0.method == "sendDocument" } && snapshot.callbackAnswers.count == 5
            }
            await bot.stop()

            let jobs = try await bot.rows("SELECT prompt, seed, steps FROM jobs ORDER BY id")
            #expect(jobs.count == 3)
            #expect(try jobs.allSatisfy { try $0.decode("prompt", as: String.self) == "a lighthouse" })
            // New seed: same steps, another seed (a random one equals 7 once in 2^32).
            #expect(try jobs[1].decode("seed", as: Int64.self) != 7)
            #expect(try jobs[1].decode("steps", as: Int.self) == 4)
            #expect(try jobs[2].decode("seed", as: Int64.self) == 7)
            #expect(try jobs[2].decode("steps", as: Int.self) == 14)
            let document = try #require(bot.emulator.sentMessages.first { $0.method == "sendDocument" })
            #expect(document.file == StandInRenderer.png)
            #expect(document.replyToMessageID == photo.messageID)
            let answers = bot.emulator.callbackAnswers.map { $0.text ?? "" }
            #expect(answers.filter { $0 == "Queued ⏳" }.count == 2)
            #expect(answers.contains("Sending the file 📄"))
            #expect(answers.contains("🗑️ That image is no longer available."))
            #expect(answers.contains("❓ That button is not mine."))
        }
    }
}
