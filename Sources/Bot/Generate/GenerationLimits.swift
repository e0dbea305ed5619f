import Foundation
import PromptSyntax
import Runtime
import Schema

/// Defaults and bounds of a generation request.
///
/// Environment keys (defaults in brackets):
/// - `LIENZO_MODEL` (required): the model a job asks for, exactly as the Renderer's
///   `LIENZO_MODEL` (a diffusers folder or a `.safetensors` path).
/// - `LIENZO_DEFAULT_SIZE` [`512x512`], `LIENZO_MIN_SIDE` [64], `LIENZO_MAX_SIDE` [1024],
///   `LIENZO_MAX_PIXELS` [786432 = 768×1024]: sides are multiples of 8.
/// - `LIENZO_DEFAULT_STEPS` [20], `LIENZO_MAX_STEPS` [50]; steps start at 1.
/// - `LIENZO_DEFAULT_CFG` [7.5], `LIENZO_MIN_CFG` [1], `LIENZO_MAX_CFG` [20].
/// - `LIENZO_DEFAULT_SAMPLER` [`euler_a`], `LIENZO_SAMPLERS`
///   [`euler,euler_a,ddim,pndm,lms,dpmpp_2m,dpmpp_2m_karras`, the engine's]: comma-separated.
/// - `LIENZO_MAX_PROMPT_CHARS` [1000]: longer prompts are refused (CLIP reads ~75
///   tokens anyway; this bounds what is stored).
/// - `LIENZO_MORE_STEPS` [10]: what the "more steps" button adds.
/// - `LIENZO_MAX_LORAS` [4]: LoRAs one prompt may name (`<lora:NAME:WEIGHT>` tags);
///   `LIENZO_MIN_LORA_WEIGHT` [-2], `LIENZO_MAX_LORA_WEIGHT` [2]: bounds of one LoRA's
///   weight, summed over the tags that name it.
///
/// The defaults and bounds of size, steps, CFG and sampler are the model's published
/// profile where the operator did not set them here (`ProfileSetting`, `applying(_:)`);
/// the values above are the built-in ones, used before a profile exists.
public struct GenerationLimits: Sendable, Equatable {
    public var model = "sd-v1-5"
    public var defaultWidth = 512
    public var defaultHeight = 512
    public var minSide = 64
    public var maxSide = 1024
    public var maxPixels = 768 * 1024
    public var defaultSteps = 20
    public var maxSteps = 50
    public var defaultCFG: Float = 7.5
    public var minCFG: Float = 1
    public var maxCFG: Float = 20
    public var defaultSampler = "euler_a"
    /// The engine's samplers (Diffusion `Sampler`); the Renderer refuses any other.
    public var samplers = ["euler", "euler_a", "ddim", "pndm", "lms", "dpmpp_2m", "dpmpp_2m_karras"]
    public var maxPromptCharacters = 1000
    public var moreSteps = 10
    /// Each LoRA adds low-rank terms to every patched layer of the batch it joins.
    public var maxLoras = 4
    /// Far past ±2 most LoRAs only burn the image.
    public var minLoraWeight: Float = -2
    public var maxLoraWeight: Float = 2
    /// The settings the operator gave in the environment: a model profile leaves them be.
    public var explicit: Set<ProfileSetting> = []
    /// Seeds are 0 ..< 2^32, as AUTOMATIC1111 shows them.
    public static let maxSeed: Int64 = 4_294_967_295

    public init() {}

    public init(environment: Environment) throws {
        guard let model = environment["LIENZO_MODEL"] else {
            throw ConfigurationError("LIENZO_MODEL is not set: the model the Renderer serves (Ingest stores it in each job)")
        }
        self.model = model
        explicit = Set(ProfileSetting.allCases.filter { environment[$0.rawValue] != nil })
        if let size = environment["LIENZO_DEFAULT_SIZE"] {
            guard let (width, height) = Self.parseSize(size) else {
                throw ConfigurationError("LIENZO_DEFAULT_SIZE must look like 512x512, got '\(size)'")
            }
            defaultWidth = width
            defaultHeight = height
        }
        minSide = try environment.int("LIENZO_MIN_SIDE", default: minSide, in: 8...8192)
        maxSide = try environment.int("LIENZO_MAX_SIDE", default: maxSide, in: minSide...8192)
        maxPixels = try environment.int("LIENZO_MAX_PIXELS", default: maxPixels, in: 64...(8192 * 8192))
        defaultSteps = try environment.int("LIENZO_DEFAULT_STEPS", default: defaultSteps, in: 1...1000)
        maxSteps = try environment.int("LIENZO_MAX_STEPS", default: maxSteps, in: defaultSteps...1000)
        defaultCFG = try Self.float(environment, "LIENZO_DEFAULT_CFG", defaultCFG)
        minCFG = try Self.float(environment, "LIENZO_MIN_CFG", minCFG)
        maxCFG = try Self.float(environment, "LIENZO_MAX_CFG", maxCFG)
        if let list = environment["LIENZO_SAMPLERS"] {
            samplers = list.split(separator: ",").map { Self.normalizedSampler(String($0)) }.filter { !$0.isEmpty }
        }
        defaultSampler = Self.normalizedSampler(environment.string("LIENZO_DEFAULT_SAMPLER", default: defaultSampler))
        maxPromptCharacters = try environment.int("LIENZO_MAX_PROMPT_CHARS", default: maxPromptCharacters, in: 1...100_000)
        moreSteps = try environment.int("LIENZO_MORE_STEPS", default: moreSteps, in: 1...1000)
        maxLoras = try environment.int("LIENZO_MAX_LORAS", default: maxLoras, in: 0...100)
        minLoraWeight = try Self.float(environment, "LIENZO_MIN_LORA_WEIGHT", minLoraWeight)
        maxLoraWeight = try Self.float(environment, "LIENZO_MAX_LORA_WEIGHT", maxLoraWeight)
        guard samplers.contains(defaultSampler) else {
            throw ConfigurationError("LIENZO_DEFAULT_SAMPLER '\(defaultSampler)' is not in LIENZO_SAMPLERS")
        }
        guard minCFG <= defaultCFG, defaultCFG <= maxCFG else {
            throw ConfigurationError("LIENZO_DEFAULT_CFG must lie within LIENZO_MIN_CFG...LIENZO_MAX_CFG")
        }
        guard minLoraWeight <= maxLoraWeight else {
            throw ConfigurationError("LIENZO_MIN_LORA_WEIGHT must not exceed LIENZO_MAX_LORA_WEIGHT")
        }
        guard defaultWidth % 8 == 0, defaultHeight % 8 == 0 else {
            throw ConfigurationError("LIENZO_DEFAULT_SIZE sides must be multiples of 8")
        }
    }

    /// Checks the options against the limits and fills in defaults. `randomSeed` is
    /// asked only when the user gave no seed.
    public func validate(_ options: GenerateOptions, randomSeed: () -> Int64) -> Result<RenderRequest, Rejection> {
        let prompt = options.prompt.trimmingWhitespace()
        guard !prompt.isEmpty else { return .failure(.emptyPrompt) }
        let length = prompt.count + options.negativePrompt.count
        guard length <= maxPromptCharacters else {
            return .failure(.promptTooLong(length: length, max: maxPromptCharacters))
        }
        // The positive prompt only: AUTOMATIC1111 leaves tags in the negative prompt as text.
        if let rejection = loraRejection(in: prompt) { return .failure(rejection) }
        var request = RenderRequest(
            prompt: prompt, negativePrompt: options.negativePrompt.trimmingWhitespace(), model: model,
            width: defaultWidth, height: defaultHeight, steps: defaultSteps, guidance: defaultCFG, seed: 0,
            sampler: defaultSampler)

        if let text = options.seed, Int64(text) != -1 {  // -1: random, as in AUTOMATIC1111
            guard let seed = Int64(text) else { return .failure(.invalidNumber(option: "--seed", value: text.echoed())) }
            guard (0...Self.maxSeed).contains(seed) else {
                return .failure(.outOfRange(option: "--seed", value: text.echoed(), min: "0", max: String(Self.maxSeed)))
            }
            request.seed = seed
        } else {
            request.seed = randomSeed()
        }
        if let text = options.steps {
            guard let steps = Int(text) else { return .failure(.invalidNumber(option: "--steps", value: text.echoed())) }
            guard (1...maxSteps).contains(steps) else {
                return .failure(.outOfRange(option: "--steps", value: text.echoed(), min: "1", max: String(maxSteps)))
            }
            request.steps = steps
        }
        if let text = options.cfg {
            guard let cfg = Float(text.replacingOccurrences(of: ",", with: ".")), cfg.isFinite else {
                return .failure(.invalidNumber(option: "--cfg", value: text.echoed()))
            }
            guard (minCFG...maxCFG).contains(cfg) else {
                return .failure(.outOfRange(option: "--cfg", value: text.echoed(), min: Self.format(minCFG), max: Self.format(maxCFG)))
            }
            request.guidance = cfg
        }
        if let text = options.size {
            guard let (width, height) = Self.parseSize(text) else { return .failure(.invalidSize(value: text.echoed())) }
            guard width % 8 == 0, height % 8 == 0 else { return .failure(.sizeNotMultipleOf8(width: width, height: height)) }
            guard sizeAllowed(width: width, height: height) else {
                return .failure(.sizeOutOfRange(width: width, height: height, minSide: minSide, maxSide: maxSide, maxPixels: maxPixels))
            }
            request.width = width
            request.height = height
        }
        if let text = options.sampler {
            let name = Self.normalizedSampler(text)
            guard samplers.contains(name) else { return .failure(.unknownSampler(value: text.echoed(), known: samplers)) }
            request.sampler = name
        }
        return .success(request)
    }

    /// "512x768", "512×768", "512X768" → (512, 768) (`SizeText`, as `Renderer render` reads it).
    public static func parseSize(_ text: String) -> (Int, Int)? {
        SizeText.parse(text).map { ($0.width, $0.height) }
    }

    /// The engine's sampler for a name as people type it: the engine's own ("euler_a"),
    /// AUTOMATIC1111's ("Euler a", "DPM++ 2M Karras", "PLMS") or k-diffusion's
    /// ("k_euler_a", "k_dpmpp_2m_ka"), in any case, with spaces, `-` or `_`. A name that
    /// is none of these comes back normalised the same way, for the validator to refuse.
    public static func normalizedSampler(_ text: String) -> String {
        SamplerNames.engineName(text) ?? SamplerNames.key(text)
    }

    /// The name AUTOMATIC1111 writes for one of the engine's samplers: captions say the same
    /// as the PNG's `parameters`. A name the engine does not know is kept as it is.
    public static func a1111SamplerName(_ engineName: String) -> String {
        SamplerNames.a1111Name(engineName)
    }

    /// True when `text` names one of the engine's samplers (whether a model offers it or not).
    public static func isSamplerName(_ text: String) -> Bool {
        SamplerNames.engineName(text) != nil
    }

    static func format(_ value: Float) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    private static func float(_ environment: Environment, _ name: String, _ fallback: Float) throws -> Float {
        guard let text = environment[name] else { return fallback }
        guard let value = Float(text), value.isFinite else { throw ConfigurationError("\(name) must be a number, got '\(text)'") }
        return value
    }
}
