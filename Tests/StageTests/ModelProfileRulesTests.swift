import Bot
import Runtime
import Schema
import Testing

/// How Ingest's limits follow the model's published profile, and what /help says of
/// them: pure, no I/O (ModelProfileIngestTests runs them through the stages).
@Suite struct ModelProfileRulesTests {
    static let turbo = ModelProfile(
        kind: "turbo", defaultSteps: 1, maxSteps: 4, defaultGuidance: 0, minGuidance: 0, maxGuidance: 1,
        defaultSampler: "euler", samplers: ["euler", "ddim"], defaultWidth: 512, defaultHeight: 512)
    static let lcm = ModelProfile(
        kind: "lcm-lora", defaultSteps: 4, maxSteps: 8, defaultGuidance: 1, minGuidance: 1, maxGuidance: 2,
        defaultSampler: "lcm", samplers: ["lcm", "euler"], defaultWidth: 768, defaultHeight: 512)

    static func limits(_ settings: [String: String] = [:]) throws -> GenerationLimits {
        try GenerationLimits(environment: Environment(settings.merging(["LIENZO_MODEL": "tiny"]) { $1 }))
    }

    @Test func theEnvironmentRecordsWhatTheOperatorSet() throws {
        #expect(try Self.limits().explicit.isEmpty)
        let limits = try Self.limits(["LIENZO_DEFAULT_STEPS": "6", "LIENZO_SAMPLERS": "euler,lcm", "LIENZO_DEFAULT_SAMPLER": "euler",
                                      "LIENZO_MAX_PIXELS": "300000", "LIENZO_MIN_CFG": ""])
        #expect(limits.explicit == [.defaultSteps, .samplers, .defaultSampler])
    }

    @Test func withNothingSetTheProfileReplacesTheBuiltInDefaults() throws {
        let base = try Self.limits()
        #expect(base.applying(nil) == base)
        let limits = base.applying(Self.lcm)
        #expect([limits.defaultSteps, limits.maxSteps, limits.defaultWidth, limits.defaultHeight] == [4, 8, 768, 512])
        #expect([limits.minCFG, limits.defaultCFG, limits.maxCFG] == [1, 1, 2])
        #expect(limits.defaultSampler == "lcm" && limits.samplers == ["lcm", "euler"])
        // What the profile does not speak of stays.
        #expect(limits.moreSteps == base.moreSteps && limits.maxPixels == base.maxPixels && limits.model == "tiny")
    }

    @Test func anExplicitSettingWinsAndTheProfileGivesWayAroundIt() throws {
        var limits = try Self.limits(["LIENZO_DEFAULT_STEPS": "30"]).applying(Self.lcm)
        #expect([limits.defaultSteps, limits.maxSteps] == [30, 30])
        limits = try Self.limits(["LIENZO_MAX_STEPS": "25", "LIENZO_DEFAULT_STEPS": "2"]).applying(Self.lcm)
        #expect([limits.defaultSteps, limits.maxSteps] == [2, 25])
        limits = try Self.limits(["LIENZO_MAX_STEPS": "20"]).applying(Self.lcm)
        #expect([limits.defaultSteps, limits.maxSteps] == [4, 20])

        // Turbo wants CFG 0; an operator who insists on at least 1 gets 1.
        limits = try Self.limits(["LIENZO_MIN_CFG": "1"]).applying(Self.turbo)
        #expect([limits.minCFG, limits.defaultCFG, limits.maxCFG] == [1, 1, 1])
        limits = try Self.limits(["LIENZO_DEFAULT_CFG": "7"]).applying(Self.turbo)
        #expect([limits.minCFG, limits.defaultCFG, limits.maxCFG] == [0, 7, 7])
        limits = try Self.limits(["LIENZO_MAX_CFG": "1.5", "LIENZO_DEFAULT_CFG": "1.5"]).applying(Self.lcm)
        #expect([limits.minCFG, limits.defaultCFG, limits.maxCFG] == [1, 1.5, 1.5])

        // An explicit default sampler joins the profile's list; an explicit list keeps the
        // profile's default only if it offers it.
        limits = try Self.limits(["LIENZO_DEFAULT_SAMPLER": "DPM++ 2M"]).applying(Self.lcm)
        #expect(limits.defaultSampler == "dpmpp_2m" && limits.samplers == ["lcm", "euler", "dpmpp_2m"])
        limits = try Self.limits(["LIENZO_SAMPLERS": "euler_a,lcm"]).applying(Self.lcm)
        #expect(limits.defaultSampler == "lcm" && limits.samplers == ["euler_a", "lcm"])
        limits = try Self.limits(["LIENZO_SAMPLERS": "euler_a,ddim"]).applying(Self.lcm)
        #expect(limits.defaultSampler == "euler_a" && limits.samplers == ["euler_a", "ddim"])

        limits = try Self.limits(["LIENZO_DEFAULT_SIZE": "256x256"]).applying(Self.lcm)
        #expect([limits.defaultWidth, limits.defaultHeight] == [256, 256])
        // A profile size the operator's bounds refuse is not taken.
        limits = try Self.limits(["LIENZO_MAX_SIDE": "640"]).applying(Self.lcm)
        #expect([limits.defaultWidth, limits.defaultHeight] == [512, 512])
    }

    @Test func anEarlierJobsRequestIsFittedIntoTheLimitsOfToday() throws {
        var limits = try Self.limits().applying(Self.turbo)
        limits.maxSide = 512
        let old = RenderRequest(prompt: "a lighthouse", model: "old-model", width: 768, height: 512, steps: 20, guidance: 7.5,
                                seed: 7, sampler: "euler_a")
        let fitted = limits.fitted(old)
        #expect(fitted == RenderRequest(prompt: "a lighthouse", model: "tiny", width: 512, height: 512, steps: 4, guidance: 1,
                                        seed: 7, sampler: "euler"))
        // What is still allowed is kept.
        let allowed = RenderRequest(prompt: "x", model: "tiny", width: 256, height: 320, steps: 2, guidance: 0.5, seed: 1, sampler: "ddim")
        #expect(limits.fitted(allowed) == allowed)
    }

    @Test func helpShowsWhatAPlainRequestGetsAndExamplesTheModelAccepts() throws {
        let lcm = ModelLine(try Self.limits().applying(Self.lcm))
        let english = Texts.text(.help(lcm), language: .english)
        #expect(english.contains("\n⚙️ This model: 4 steps, CFG 1, sampler lcm, 768×512 by default (up to 8 steps).\n"))
        #expect(english.contains("--steps 8 --cfg 2 --size 512x768 --sampler lcm\n"))
        #expect(english.contains("--sampler S   lcm, euler\n"))
        let spanish = Texts.text(.help(lcm), language: .spanish)
        #expect(spanish.contains("\n⚙️ Este modelo: 4 pasos, CFG 1, sampler lcm, 768×512 por defecto (hasta 8 pasos).\n"))

        let turbo = ModelLine(try Self.limits().applying(Self.turbo))
        #expect(Texts.text(.help(turbo), language: .english).contains("This model: 1 step, CFG 0, sampler euler, 512×512 by default (up to 4 steps)."))
        #expect(Texts.text(.help(turbo), language: .spanish).contains("Este modelo: 1 paso, CFG 0, sampler euler, 512×512 por defecto (hasta 4 pasos)."))

        // The built-in settings: the example is the one /help always showed.
        let builtIn = Texts.text(.help(ModelLine(try Self.limits())), language: .english)
        #expect(builtIn.contains("--seed 42 --steps 30 --cfg 8 --size 512x768 --sampler dpmpp_2m_karras\n"))
        #expect(builtIn.contains("This model: 20 steps, CFG 7.5, sampler euler_a, 512×512 by default (up to 50 steps)."))
    }

    @Test func helpCarriesTheModelThroughTheOutbox() throws {
        let message = BotMessage.help(ModelLine(try Self.limits().applying(Self.turbo)))
        #expect(BotMessage(kind: message.kind, argsJSON: message.argsJSON) == message)
        // A row queued before help carried the model reads as the built-in settings.
        #expect(BotMessage(kind: "help", argsJSON: "{}") == .help(ModelLine(GenerationLimits())))
        let router = MessageRouter(botUsername: "lienzo_bot", limits: try Self.limits().applying(Self.turbo))
        #expect(router.route(text: "/help", isPrivateChat: true, randomSeed: { 5 })
            == .reply(message, outcome: "help"))
    }
}
