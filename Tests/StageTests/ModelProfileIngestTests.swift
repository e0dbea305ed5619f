import Bot
import BotAPIEmulator
@testable import BotServices
import Foundation
import Runtime
import Schema
import Testing
import TestSupport

extension StageLaneA {
    /// The model profile a Renderer publishes, applied by a running Ingest: requests,
    /// refusals, /help and the buttons follow it, unless the operator set a value.
    @Suite struct ModelProfileIngestTests {
        static let turbo = ModelProfile(
            kind: "turbo", defaultSteps: 1, maxSteps: 4, defaultGuidance: 0, minGuidance: 0, maxGuidance: 1,
            defaultSampler: "euler", samplers: ["euler", "ddim"], defaultWidth: 512, defaultHeight: 512)

        static func configuration(refresh: Duration = .seconds(30), environment: [String: String] = [:]) throws -> IngestConfiguration {
            var configuration = StageHarness.ingestConfiguration()
            configuration.limits = try GenerationLimits(environment: Environment(environment.merging(["LIENZO_MODEL": StageHarness.model]) { $1 }))
            configuration.profileRefresh = refresh
            return configuration
        }

        /// steps, guidance, sampler and size of every job, in order.
        static func jobs(_ bot: StageHarness) async throws -> [String] {
            try await bot.rows("SELECT steps || ' ' || guidance || ' ' || sampler || ' ' || width || 'x' || height AS job FROM jobs ORDER BY id")
                .map { try $0.decode("job") }
        }

        @Test func aPlainRequestGetsTheProfileAndItsLimitsAreTheRefusals() async throws {
            let bot = try await StageHarness(render: false, ingestConfiguration: try Self.configuration())
            try await bot.database.queue.publishProfile(model: StageHarness.model, Self.turbo)
            let messages = [
                "/generate a cat", "/generate a cat --steps 9", "/generate a cat --cfg 7", "/generate a dog --steps 3 --sampler DDIM",
                "/generate a dog --sampler euler_a",
            ]
            for text in messages { bot.emulator.sendUserMessage(text, from: bot.alice) }
            try await bot.waitFor("every reply") { $0.sentMessages(inChat: 2001).count >= messages.count }
            let jobs = try await Self.jobs(bot)
            await bot.stop()

            #expect(jobs == ["1 0 euler 512x512", "3 0 ddim 512x512"])
            let texts = bot.texts(inChat: bot.alice.id)
            #expect(texts.count == 5 && texts[0].hasPrefix("⏳ Queued") && texts[3].hasPrefix("⏳ Queued"))
            #expect([texts[1], texts[2], texts[4]] == [
                "🔢 --steps 9 is out of range: use 1 to 4.",
                "🔢 --cfg 7 is out of range: use 0 to 1.",
                "🧪 Unknown sampler «euler_a». Choose one of: euler, ddim.",
            ])
        }

        @Test func whatTheOperatorSetWinsOverTheProfile() async throws {
            let environment = ["LIENZO_DEFAULT_STEPS": "6", "LIENZO_DEFAULT_SAMPLER": "euler_a", "LIENZO_DEFAULT_SIZE": "256x256"]
            let bot = try await StageHarness(render: false, ingestConfiguration: try Self.configuration(environment: environment))
            try await bot.database.queue.publishProfile(model: StageHarness.model, Self.turbo)
            for text in ["/generate a cat", "/generate a cat --steps 7", "/generate a cat --sampler ddim"] {
                bot.emulator.sendUserMessage(text, from: bot.alice)
            }
            try await bot.waitFor("every reply") { $0.sentMessages(inChat: 2001).count >= 3 }
            let jobs = try await Self.jobs(bot)
            await bot.stop()

            // Steps, sampler and size as set; CFG from the profile; the profile's maximum
            // grew to the operator's default, and its samplers took in the operator's.
            #expect(jobs == ["6 0 euler_a 256x256", "6 0 ddim 256x256"])
            #expect(bot.texts(inChat: bot.alice.id)[1] == "🔢 --steps 7 is out of range: use 1 to 6.")
        }

        @Test func helpShowsTheProfileInTheUsersLanguage() async throws {
            let bot = try await StageHarness(render: false, ingestConfiguration: try Self.configuration())
            try await bot.database.queue.publishProfile(model: StageHarness.model, ModelProfile(
                kind: "lcm-lora", defaultSteps: 4, maxSteps: 8, defaultGuidance: 1, minGuidance: 1, maxGuidance: 2,
                defaultSampler: "lcm", samplers: ["lcm", "euler"], defaultWidth: 512, defaultHeight: 512))
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            bot.emulator.sendUserMessage("/start", from: bot.bruno)
            try await bot.waitFor("both helps") { $0.sentMessages(inChat: 2001).count >= 1 && $0.sentMessages(inChat: 2002).count >= 1 }
            await bot.stop()

            let english = try #require(bot.texts(inChat: bot.alice.id).first)
            #expect(english.contains("\n⚙️ This model: 4 steps, CFG 1, sampler lcm, 512×512 by default (up to 8 steps).\n"))
            #expect(english.contains("--steps 8 --cfg 2 --size 512x768 --sampler lcm\n"))
            #expect(english.contains("\n--sampler S   lcm, euler\n"))
            let spanish = try #require(bot.texts(inChat: bot.bruno.id).first)
            #expect(spanish.contains("\n⚙️ Este modelo: 4 pasos, CFG 1, sampler lcm, 512×512 por defecto (hasta 8 pasos).\n"))
            #expect(spanish.hasPrefix("🎨 Convierto texto en imágenes"))
        }

        /// Ingest starts before any Renderer published: built-in settings first, then the
        /// profile from the first batch read after `refresh` has passed — and not before.
        @Test(arguments: [(Duration.zero, "1 0 euler 512x512"), (.seconds(3600), "20 7.5 euler_a 512x512")])
        func aProfilePublishedAfterIngestStartedIsReadAgainAfterTheRefresh(refresh: Duration, second: String) async throws {
            let bot = try await StageHarness(render: false, ingestConfiguration: try Self.configuration(refresh: refresh))
            bot.emulator.sendUserMessage("/generate a cat", from: bot.alice)
            try await bot.waitFor("the first reply") { $0.sentMessages(inChat: 2001).count >= 1 }
            try await bot.database.queue.publishProfile(model: StageHarness.model, Self.turbo)
            bot.emulator.sendUserMessage("/generate a cat", from: bot.alice)
            try await bot.waitFor("the second reply") { $0.sentMessages(inChat: 2001).count >= 2 }
            let jobs = try await Self.jobs(bot)
            await bot.stop()

            #expect(jobs == ["20 7.5 euler_a 512x512", second])
        }

        @Test func theButtonsUnderAnEarlierPhotoKeepToTheProfile() async throws {
            let bot = try await StageHarness(ingestConfiguration: try Self.configuration(refresh: .zero))
            bot.emulator.sendUserMessage("/imagine a lighthouse --seed 7 --size 64x64", from: bot.alice)
            try await bot.waitFor("the photo") { $0.sentMessages.contains { $0.method == "sendPhoto" } }
            let photo = try #require(bot.emulator.sentMessages.first { $0.method == "sendPhoto" })
            let buttons = photo.buttons.flatMap { $0 }
            try await bot.database.queue.publishProfile(model: StageHarness.model, Self.turbo)
            for text in ["🎲 New seed", "➕ More steps"] {
                let data = try #require(buttons.first { $0.text == text }?.callbackData)
                bot.emulator.pressButton(data: data, onMessage: photo.messageID, inChat: bot.alice.id, by: bot.alice)
            }
            try await bot.waitFor("both answers") { $0.callbackAnswers.count == 2 }
            let jobs = try await Self.jobs(bot)
            let seeds = try await bot.rows("SELECT seed FROM jobs ORDER BY id").map { try $0.decode("seed", as: Int64.self) }
            await bot.stop()

            // 20 steps at CFG 7.5 with euler_a, made before the profile: the new jobs take
            // the profile's most steps and CFG and its default sampler, and keep the size.
            #expect(jobs == ["20 7.5 euler_a 64x64", "4 1 euler 64x64", "4 1 euler 64x64"])
            #expect(seeds[0] == 7 && seeds[1] != 7 && seeds[2] == 7)
            #expect(bot.emulator.callbackAnswers.allSatisfy { $0.text == "Queued ⏳" })
        }
    }
}
