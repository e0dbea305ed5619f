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

    /// Captions name samplers as AUTOMATIC1111 and the PNG's parameters do, and every one
    /// pasted back reproduces the request.
    @Test func captionSamplerNamesAreAUTOMATIC1111sAndPasteBack() throws {
        let names = ["pndm": "PLMS", "ddim": "DDIM", "euler": "Euler", "euler_a": "Euler a", "lms": "LMS",
                     "dpmpp_2m": "DPM++ 2M", "dpmpp_2m_karras": "DPM++ 2M Karras"]
        for (engine, a1111) in names {
            let original = RenderRequest(prompt: "a lighthouse", model: "tiny", width: 512, height: 512, steps: 20, guidance: 7,
                                         seed: 9, sampler: engine)
            let caption = Caption.make(original)
            #expect(caption.contains("Sampler: \(a1111),"), "\(engine): \(caption)")
            #expect(try request(caption) == original, "\(engine) pasted back")
        }
    }

    @Test func captionFitsTelegramsLimitAndKeepsTheParameters() {
        let long = RenderRequest(prompt: String(repeating: "é🏰 ", count: 600), negativePrompt: String(repeating: "blurry ", count: 200),
                                 model: "tiny", seed: 1)
        let caption = Caption.make(long)
        #expect(caption.utf16.count <= 1024)
        #expect(caption.utf16.count > 1000)
        #expect(caption.hasSuffix("Steps: 20, Sampler: PLMS, CFG scale: 7.5, Seed: 1, Size: 512x512, Model: tiny"))
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
        #expect(rejection("castle --seed -2") == .outOfRange(option: "--seed", value: "-2", min: "0", max: "4294967295"))
        #expect(rejection("castle --cfg 0.5") == .outOfRange(option: "--cfg", value: "0.5", min: "1", max: "20"))
        #expect(rejection("castle --cfg inf") == .invalidNumber(option: "--cfg", value: "inf"))
        #expect(rejection("castle --size big") == .invalidSize(value: "big"))
        #expect(rejection("castle --size 513x512") == .sizeNotMultipleOf8(width: 513, height: 512))
        #expect(rejection("castle --size 1024x1024") == .sizeOutOfRange(width: 1024, height: 1024, minSide: 64, maxSide: 1024, maxPixels: 786_432))
        #expect(rejection("castle --sampler heun") == .unknownSampler(value: "heun", known: limits.samplers))
        #expect(rejection(String(repeating: "a", count: 1001)) == .promptTooLong(length: 1001, max: 1000))
    }

    @Test func samplerNamesAreNormalised() {
        #expect(GenerationLimits.normalizedSampler("DPM++ 2M Karras") == "dpmpp_2m_karras")
        #expect(GenerationLimits.normalizedSampler("Euler a") == "euler_a")
        #expect(GenerationLimits.normalizedSampler(" euler-a ") == "euler_a")
        // Every AUTOMATIC1111 name and k-diffusion alias of the engine's samplers.
        let names: [String: [String]] = [
            "pndm": ["PLMS", "plms", "pndm"],
            "ddim": ["DDIM", "ddim"],
            "euler": ["Euler", "k_euler", "EULER"],
            "euler_a": ["Euler a", "k_euler_a", "k_euler_ancestral", "euler ancestral", "EULER_A"],
            "lms": ["LMS", "k_lms"],
            "dpmpp_2m": ["DPM++ 2M", "k_dpmpp_2m", "dpm++ 2m", "DPMPP_2M"],
            "dpmpp_2m_karras": ["DPM++ 2M Karras", "k_dpmpp_2m_ka", "dpm++  2m  karras", "dpmpp-2m-karras"],
            "lcm": ["LCM", "k_lcm", "lcm"],
        ]
        for (engine, aliases) in names {
            for alias in aliases { #expect(GenerationLimits.normalizedSampler(alias) == engine, "\(alias)") }
        }
        #expect(GenerationLimits.normalizedSampler("Heun") == "heun")
        #expect(!GenerationLimits.isSamplerName("DPM++ SDE Karras"))
    }

    /// Sampler names as AUTOMATIC1111 users type them: quoted or not, any case, with spaces.
    @Test func multiWordSamplerNamesAndWhatIsLeftAfterThem() throws {
        let cases: [(String, String)] = [
            ("a tree --sampler DPM++ 2M Karras", "dpmpp_2m_karras"),
            ("a tree --sampler dpm++ 2m karras --seed 3", "dpmpp_2m_karras"),
            ("a tree --sampler DPM++ 2M", "dpmpp_2m"),
            ("a tree --sampler \"Euler a\"", "euler_a"),
            ("a tree --sampler “Euler a”", "euler_a"),
            ("a tree --sampler 'DPM++ 2M Karras' --steps 9", "dpmpp_2m_karras"),
            ("a tree --sampler=\"Euler a\"", "euler_a"),
            ("a tree --sampler=Euler a", "euler_a"),
            ("a tree --sampler k_euler_a", "euler_a"),
            ("a tree --sampler euler a", "euler_a"),
            ("a tree --sampler \"euler\"", "euler"),
            ("a tree —sampler PLMS", "pndm"),
            ("a tree --sampler euler --steps 5 in fog", "euler"),
        ]
        for (text, sampler) in cases {
            let parsed = try request(text)
            #expect(parsed.sampler == sampler, "\(text)")
            #expect(parsed.prompt.hasPrefix("a tree") && !parsed.prompt.contains("sampler"), "\(text)")
        }
        // The longest name wins: "euler a" is Euler a, not euler and the prompt "a tree a".
        #expect(try request("a tree --sampler euler a").prompt == "a tree")
        // Other options still take one word, with the prompt around them as before.
        #expect(try request("a tree --sampler euler --steps 5 in fog").prompt == "a tree in fog")
        // What is left after the name is neither the name nor prompt text: refused, by name.
        #expect(rejection("a tree --sampler euler a castle") == .textAfterOption(option: "--sampler", value: "euler a", text: "castle"))
        #expect(rejection("a tree --sampler \"Euler\" a --seed 4") == .textAfterOption(option: "--sampler", value: "Euler", text: "a"))
        #expect(rejection("--sampler ddim a tree") == .textAfterOption(option: "--sampler", value: "ddim", text: "a tree"))
        // A name that is no sampler at all is quoted back whole, with the list.
        #expect(rejection("a tree --sampler DPM++ SDE Karras") == .unknownSampler(value: "DPM++ SDE Karras", known: limits.samplers))
        #expect(rejection("a tree --sampler lcm") == .unknownSampler(value: "lcm", known: limits.samplers))
        #expect(rejection("a tree --sampler") == .missingValue(option: "--sampler"))
        #expect(rejection("a tree --sampler \"\" --seed 1") == .missingValue(option: "--sampler"))
        #expect(rejection("a tree --sampler --seed 1") == .missingValue(option: "--sampler"))
        // The message names what is left over, in both languages.
        let leftOver = Rejection.textAfterOption(option: "--sampler", value: "euler a", text: "castle")
        #expect(Texts.text(.rejected(leftOver), language: .english).contains("«castle»"))
        #expect(Texts.text(.rejected(leftOver), language: .spanish).contains("«castle»"))
        // A pasted AUTOMATIC1111 1.9+ block writes the Karras schedule apart.
        #expect(try request("a tree\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7").sampler == "dpmpp_2m_karras")
        #expect(try request("a tree\nSteps: 20, Sampler: k_euler_a").sampler == "euler_a")
    }

    @Test func seedMinusOneIsRandomAsInAutomatic1111() throws {
        #expect(try request("a tree --seed -1").seed == 1234)
        #expect(try request("a tree --seed=-1 --steps 4").seed == 1234)
        #expect(try request("a tree\nSteps: 20, Seed: -1").seed == 1234)
        #expect(try request("a tree --seed 0").seed == 0)
    }

    @Test func spanishOptionNamesBesideTheEnglishOnes() throws {
        let parsed = try request("un árbol --negativo niebla, borroso --semilla 7 --pasos 12 --tamaño 512x768 --cfg 6")
        #expect(parsed == RenderRequest(prompt: "un árbol", negativePrompt: "niebla, borroso", model: "tiny",
                                        width: 512, height: 768, steps: 12, guidance: 6, seed: 7, sampler: "euler_a"))
        #expect(try request("un árbol --TAMANO 640x448 —PASOS=3").width == 640)
        #expect(try request("un árbol --tamano 640x448 —pasos=3").steps == 3)
        // "ñ" typed decomposed (n + combining tilde) is the same option.
        #expect(try request("un árbol --taman\u{0303}o 640x448").height == 448)
        #expect(try request("un árbol --steps 5 --seed 2 --size 64x64 --negative x").steps == 5)
        #expect(rejection("un árbol --pasos") == .missingValue(option: "--pasos"))
        #expect(rejection("un árbol --semilla diez") == .invalidNumber(option: "--seed", value: "diez"))
        #expect(Texts.text(.rejected(.missingValue(option: "--pasos")), language: .spanish).contains("--pasos 30"))
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
