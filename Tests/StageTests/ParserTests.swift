import Bot
import Schema
import Testing

/// Command and option parsing, validation and captions: pure, no I/O.
@Suite struct ParserTests {
    let limits: GenerationLimits = {
        var limits = GenerationLimits()
        limits.model = "tiny"
        return limits
    }()

    func request(_ text: String) throws -> RenderRequest {
        try GenerateParser.parse(text).flatMap { limits.validate($0, randomSeed: { 1234 }) }.get()
    }

    func rejection(_ text: String) -> Rejection? {
        if case .failure(let rejection) = GenerateParser.parse(text).flatMap({ limits.validate($0, randomSeed: { 1 }) }) {
            return rejection
        }
        return nil
    }

    @Test func commandWordAddresseeAndArguments() {
        let command = CommandText("/Generate@Lienzo_Bot a castle\nNegative prompt: fog")
        #expect(command?.name == "generate")
        #expect(command?.addressee == "lienzo_bot")
        #expect(command?.arguments == "a castle\nNegative prompt: fog")
        #expect(CommandText("/start")?.arguments == "")
        #expect(CommandText("not a command") == nil)
        #expect(CommandText("/") == nil)
        #expect(CommandText("/ünïcode") == nil)
        #expect(CommandText("/" + String(repeating: "a", count: 33)) == nil)
    }

    @Test func theIssueExample() throws {
        let parsed = try request("a castle at dusk --no blurry, low quality --seed 42 --steps 30 --cfg 8 --size 512x768 --sampler dpmpp_2m_karras")
        #expect(parsed == RenderRequest(prompt: "a castle at dusk", negativePrompt: "blurry, low quality", model: "tiny",
                                        width: 512, height: 768, steps: 30, guidance: 8, seed: 42, sampler: "dpmpp_2m_karras"))
    }

    @Test func phoneDashesEqualsSignsAndOptionsAnywhere() throws {
        let parsed = try request("—seed=7 a red fox –steps 12 in the snow --cfg 6,5")
        #expect(parsed.prompt == "a red fox in the snow")
        #expect(parsed.seed == 7 && parsed.steps == 12 && parsed.guidance == 6.5)
        // Defaults, with the seed from the generator when none is given.
        let plain = try request("a red fox")
        #expect(plain.seed == 1234 && plain.steps == 20 && plain.width == 512 && plain.guidance == 7.5 && plain.sampler == "euler_a")
        // A lone "--" or a dash inside a word is text.
        #expect(try request("a -- b well-known").prompt == "a -- b well-known")
    }

    @Test func pastedAutomatic1111Parameters() throws {
        let parsed = try request("""
            a castle at dusk, oil painting
            Negative prompt: blurry,
            low quality
            Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6, Seed: 99, Size: 640x448, Model hash: abc, Model: sd15
            """)
        #expect(parsed.prompt == "a castle at dusk, oil painting")
        #expect(parsed.negativePrompt == "blurry, low quality")
        #expect(parsed.steps == 28 && parsed.sampler == "dpmpp_2m_karras" && parsed.guidance == 6 && parsed.seed == 99)
        #expect(parsed.width == 640 && parsed.height == 448)
        // Explicit options win over the pasted block.
        #expect(try request("a castle --steps 5\nSteps: 28").steps == 5)
    }

    @Test func captionRoundTripsThroughTheParser() throws {
        let original = RenderRequest(prompt: "a castle, at dusk", negativePrompt: "fog", model: "tiny", width: 512, height: 768,
                                     steps: 31, guidance: 6.5, seed: 4_000_000_000, sampler: "ddim")
        let caption = Caption.make(original)
        #expect(try request(caption) == original)
    }

    @Test func captionFitsTelegramsLimitAndKeepsTheParameters() {
        let long = RenderRequest(prompt: String(repeating: "é🏰 ", count: 600), negativePrompt: String(repeating: "blurry ", count: 200),
                                 model: "tiny", seed: 1)
        let caption = Caption.make(long)
        #expect(caption.utf16.count <= 1024)
        #expect(caption.utf16.count > 1000)
        #expect(caption.hasSuffix("Steps: 20, Sampler: pndm, CFG scale: 7.5, Seed: 1, Size: 512x512, Model: tiny"))
        var pathModel = long
        pathModel.model = "/srv/models/sd15.safetensors"
        #expect(Caption.make(pathModel).hasSuffix("Model: sd15.safetensors"))
        #expect(caption.contains("…\nNegative prompt: blurry"))
    }

    @Test func validationRefusesEachBadValueWithItsReason() {
        #expect(rejection("") == .emptyPrompt)
        #expect(rejection("--seed 5") == .emptyPrompt)
        #expect(rejection("castle --ar 16:9") == .unknownOption(option: "--ar"))
        #expect(rejection("castle --steps") == .missingValue(option: "--steps"))
        #expect(rejection("castle --steps --seed 4") == .missingValue(option: "--steps"))
        #expect(rejection("castle --steps ten") == .invalidNumber(option: "--steps", value: "ten"))
        #expect(rejection("castle --steps 0") == .outOfRange(option: "--steps", value: "0", min: "1", max: "50"))
        #expect(rejection("castle --seed -1") == .outOfRange(option: "--seed", value: "-1", min: "0", max: "4294967295"))
        #expect(rejection("castle --cfg 0.5") == .outOfRange(option: "--cfg", value: "0.5", min: "1", max: "20"))
        #expect(rejection("castle --cfg inf") == .invalidNumber(option: "--cfg", value: "inf"))
        #expect(rejection("castle --size big") == .invalidSize(value: "big"))
        #expect(rejection("castle --size 513x512") == .sizeNotMultipleOf8(width: 513, height: 512))
        #expect(rejection("castle --size 1024x1024") == .sizeOutOfRange(width: 1024, height: 1024, minSide: 64, maxSide: 1024, maxPixels: 786_432))
        #expect(rejection("castle --sampler plms") == .unknownSampler(value: "plms", known: limits.samplers))
        #expect(rejection(String(repeating: "a", count: 1001)) == .promptTooLong(length: 1001, max: 1000))
    }

    @Test func samplerNamesAreNormalised() {
        #expect(GenerationLimits.normalizedSampler("DPM++ 2M Karras") == "dpmpp_2m_karras")
        #expect(GenerationLimits.normalizedSampler("Euler a") == "euler_a")
        #expect(GenerationLimits.normalizedSampler(" euler-a ") == "euler_a")
    }

    @Test func sanitizerDropsControlCharactersButKeepsText() {
        let (clean, removed) = PromptSanitizer.clean("a\u{0}b\u{1B}[31mc\r\nd\te 🏰 שלום")
        #expect(clean == "ab[31mc\nd e 🏰 שלום")
        #expect(removed == 2)
    }

    @Test func tokenEstimateIsConservativeAndSaysWhatIsCut() {
        let counter = EstimatedCLIPTokenCounter()
        // CLIP's own counts are 4, 4 and 4: the estimate may be higher, not lower.
        #expect(counter.tokenCount("a castle at dusk") == 6)
        #expect(counter.tokenCount("1024") == 4)
        #expect(counter.tokenCount("castle, dusk!") == 6)
        let words = (0..<100).map { "word\($0 % 10)" }.joined(separator: " ")
        let (kept, cut) = counter.split(words)
        #expect(counter.tokenCount(kept) <= 75)
        #expect(!cut.isEmpty && words == kept + " " + cut)
        #expect(counter.split("a short prompt").cut.isEmpty)
    }
}

import BotTokenizer

/// The estimate against the engine's real CLIP tokenizer: it must never count fewer
/// tokens, or a cut prompt would go unreported.
@Suite struct TokenCounterTests {
    @Test func realTokenizerCounts() throws {
        let clip = CLIPPromptTokenCounter()
        #expect(clip.usesCLIPTokenizer)
        #expect(clip.tokenCount("a castle at dusk") == 4)
        #expect(clip.tokenCount("1024") == 4)
    }

    @Test func estimateIsNeverBelowCLIP() throws {
        let clip = CLIPPromptTokenCounter()
        let estimate = EstimatedCLIPTokenCounter()
        let prompts = [
            "a castle at dusk, oil painting, highly detailed, trending on artstation",
            "masterpiece, best quality, 1girl, solo, looking at viewer, (smile:1.2), [blurry]",
            "photorealistic portrait of an astronaut riding a horse on mars, 8k uhd, dslr, soft lighting",
            "Un castillo al atardecer, pintura al óleo, muy detallado, iluminación cinematográfica",
            "城堡 黄昏 油画 🏰🌅 👨‍👩‍👧‍👦 قلعة عند الغروب שקיעה",
            "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopic",
            "It's a dog's life; they're here, we've gone, I'm sure you'll see, he'd say",
            "!!!??? ... --- ((( ))) [[[ ]]] {{{ }}} <<< >>> *** ### @@@ $$$ %%% ^^^ &&&",
            "0123456789 3.14159 1920x1080 v1.5 SDXL-1.0 f/1.8 35mm",
            String(repeating: "red blue green ", count: 40),
        ]
        for prompt in prompts {
            let real = clip.tokenCount(prompt)
            #expect(estimate.tokenCount(prompt) >= real, "estimate below CLIP (\(real)) for: \(prompt)")
        }
    }
}
