import Diffusion
import Foundation
import PNG
import Schema

/// The diffusion engine behind the Renderer stage: one loaded model, kept between
/// batches; a batch of jobs becomes one `StableDiffusionPipeline.generate` call (one
/// U-Net batch per step) and each image a PNG carrying its parameters.
public struct DiffusionRenderEngine: RenderEngine {
    /// The job's `model` value this Renderer serves (`LIENZO_MODEL`, as Ingest stores it).
    public let model: String
    let pipeline: StableDiffusionPipeline
    /// The same model decoding in tiles, for the sizes `vaeTiling` tiles (weights shared).
    let tiledPipeline: StableDiffusionPipeline
    let vaeTiling: VAETiling
    let limits: Limits
    /// The LoRAs `<lora:NAME:WEIGHT>` tags may name; nil without a LoRA folder.
    public let loraLibrary: LoraLibrary?
    let precision: ComputePrecision
    /// LoRAs every job gets (an LCM-LoRA that makes the model a 4-step one).
    let alwaysLoras: [AppliedLora]
    /// The settings this model is good at, for Ingest (`model_profiles`).
    public let profile: ModelProfile
    /// How live previews are drawn: with TAESD when it is the decoder, else the cheap approximation.
    let preview: LatentPreview
    /// Checks every image before it is stored; nil: images are not checked.
    public let safetyChecker: StableDiffusionSafetyChecker?
    public var checksImages: Bool { safetyChecker != nil }

    /// What this Renderer agrees to run; anything else is rejected with a message.
    public struct Limits: Sendable {
        public var maxSide = 1024
        public var maxSteps = 150
        public init() {}
    }

    /// What to load besides the model itself.
    public struct Files: Sendable {
        /// `LIENZO_MODEL_CONFIG`: a diffusers folder describing a single-file model.
        public var modelConfig: String?
        /// `LIENZO_VAE`: the VAE to decode with instead of the model's own (AutoencoderKL or TAESD).
        public var vae: String?
        /// `LIENZO_LORA_DIR`: the folder of LoRA files prompts may name.
        public var loraFolder: String?
        /// `LIENZO_LCM_LORA`: a LoRA of that folder applied to every job (an LCM-LoRA), which
        /// also makes the profile `lcm-lora`.
        public var lcmLora: String?
        /// `LIENZO_DECODER`: `taesd` decodes with TAESD (`LIENZO_VAE`, or the model folder's
        /// `vae_tiny/`); `auto` (default) with `LIENZO_VAE` or the model's own VAE.
        public var decoder: String?
        /// `LIENZO_PROFILE`: standard, turbo, lcm or lcm-lora instead of the one the model calls for.
        public var profile: RenderProfile.Kind?
        /// `LIENZO_VAE_TILING`: when the full VAE decodes in tiles (auto: images above 512²).
        public var vaeTiling: VAETiling
        /// `LIENZO_SAFETY_CHECKER`: the image checker (a safety_checker/ folder, or a
        /// .safetensors with its config beside it); `off` runs none. Default: the model
        /// folder's own `safety_checker/`, if it has one.
        public var safetyChecker: String?

        public init(modelConfig: String? = nil, vae: String? = nil, loraFolder: String? = nil, lcmLora: String? = nil, decoder: String? = nil,
                    profile: RenderProfile.Kind? = nil, vaeTiling: VAETiling = .auto, safetyChecker: String? = nil) {
            self.vaeTiling = vaeTiling
            self.safetyChecker = safetyChecker
            self.modelConfig = modelConfig
            self.vae = vae
            self.loraFolder = loraFolder
            self.lcmLora = lcmLora
            self.decoder = decoder
            self.profile = profile
        }

        /// The safety checker to load, if any.
        func safetyCheckerPath(model: String) -> String? {
            if let safetyChecker { return safetyChecker == "off" ? nil : safetyChecker }
            let folder = model + "/safety_checker"
            return FileManager.default.fileExists(atPath: folder + "/config.json") ? folder : nil
        }

        /// The VAE to load in place of the model's own, if any.
        func decoderPath(model: String) throws -> String? {
            switch decoder ?? "auto" {
            case "auto", "full": return vae
            case "taesd":
                if let vae { return vae }
                let folder = model + "/vae_tiny"
                guard FileManager.default.fileExists(atPath: folder + "/config.json") else {
                    throw RenderRejection("LIENZO_DECODER=taesd needs LIENZO_VAE or a vae_tiny/ folder in the model folder")
                }
                return folder
            case let other:
                throw RenderRejection("LIENZO_DECODER must be auto, full or taesd, not '\(other)'")
            }
        }
    }

    public init(model: String, precision: ComputePrecision = .float32, limits: Limits = Limits(), files: Files = Files()) throws {
        self.model = model
        self.precision = precision
        var loaded = try StableDiffusionModel.load(path: model, precision: precision, config: files.modelConfig)
        if let vae = try files.decoderPath(model: model) {
            let decoder = try VAELoader.load(path: vae, precision: precision)
            if files.decoder == "taesd", !(decoder is AutoencoderTiny) {
                throw RenderRejection("LIENZO_DECODER=taesd but \(vae) is \(decoder), not TAESD")
            }
            loaded = loaded.replacingVAE(decoder)
        }
        self.pipeline = StableDiffusionPipeline(model: loaded)
        tiledPipeline = StableDiffusionPipeline(model: loaded.withVAETiling(true))
        vaeTiling = files.vaeTiling
        preview = (loaded.vae as? AutoencoderTiny).map(LatentPreview.tiny) ?? .approxCheap
        safetyChecker = try files.safetyCheckerPath(model: model).map { try StableDiffusionSafetyChecker.load(path: $0, precision: precision) }
        self.limits = limits
        let library = try files.loraFolder.map { try LoraLibrary(folder: $0, targets: loaded.loraTargets) }
        self.loraLibrary = library
        if let name = files.lcmLora {
            guard let library else { throw RenderRejection("LIENZO_LCM_LORA needs LIENZO_LORA_DIR, the folder that holds \(name)") }
            alwaysLoras = [AppliedLora(try library.adapter(named: name), weight: 1)]
        } else {
            alwaysLoras = []
        }
        profile = RenderProfile.profile(
            for: loaded, kind: RenderProfile.kind(of: loaded, lcmLora: files.lcmLora != nil, override: files.profile))
    }

    public func validate(_ request: RenderRequest) throws {
        guard Sampler(rawValue: request.sampler) != nil else {
            throw RenderRejection("unknown sampler '\(request.sampler)'; use one of \(Sampler.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard request.width % 8 == 0, request.height % 8 == 0, (8...limits.maxSide).contains(request.width),
              (8...limits.maxSide).contains(request.height) else {
            throw RenderRejection("size \(request.width)x\(request.height) must be multiples of 8 up to \(limits.maxSide)")
        }
        guard (1...limits.maxSteps).contains(request.steps) else {
            throw RenderRejection("steps must be 1 to \(limits.maxSteps), got \(request.steps)")
        }
        guard request.guidance.isFinite, (0...30).contains(request.guidance) else {
            throw RenderRejection("guidance must be 0 to 30, got \(request.guidance)")
        }
        let original = pipeline.model.schedulerConfig.originalInferenceSteps
        if request.sampler == Sampler.lcm.rawValue, request.steps > original {
            throw RenderRejection("LCM takes at most \(original) steps, got \(request.steps)")
        }
        _ = try PromptLoras(request.prompt, library: loraLibrary)
    }

    public func render(_ requests: [RenderRequest], progress: (RenderProgress) throws -> Void) throws -> [RenderedImage] {
        guard let first = requests.first, let sampler = Sampler(rawValue: first.sampler) else { return [] }
        let options = GenerationOptions(width: first.width, height: first.height, steps: first.steps, sampler: sampler)
        let generation = try requests.map {
            let prompt = try PromptLoras($0.prompt, library: loraLibrary)
            let always = alwaysLoras.filter { lora in !prompt.loras.contains { $0.adapter === lora.adapter } }
            return GenerationRequest(prompt: prompt.text, negativePrompt: $0.negativePrompt, seed: UInt64(bitPattern: $0.seed),
                                     guidanceScale: $0.guidance, loras: prompt.loras + always)
        }
        let pipeline = vaeTiling.applies(width: first.width, height: first.height) ? tiledPipeline : pipeline
        let images = try pipeline.generate(generation, options: options) { update in
            guard update.stage == .denoising else { return }
            var previews: (() throws -> [Data])?
            if let denoised = update.denoised { previews = { try previewPNGs(denoised) } }
            try progress(RenderProgress(step: update.step, totalSteps: update.totalSteps, previews: previews))
        }
        // One vision batch for the whole micro-batch, before anything is stored.
        let verdicts = safetyChecker?.check(images)
        return try images.indices.map { i in
            let (image, request) = (images[i], generation[i])
            let text = InfoText.parameters(request: request, options: options, sampler: sampler, modelName: pipeline.model.name,
                                           typedPrompt: requests[i].prompt, precision: precision)
            let png = Data(try PNGEncoder.encode(width: image.width, height: image.height, rgb: image.pixels, text: [("parameters", text)]))
            return RenderedImage(png: png, safety: verdicts.map { ImageSafety(nsfw: $0[i].nsfw, margin: Float($0[i].margin)) })
        }
    }

    /// Live previews of a batch at a step: one small PNG per image.
    func previewPNGs(_ denoised: Tensor) throws -> [Data] {
        try preview.images(denoised).map { Data(try PNGEncoder.encode(width: $0.width, height: $0.height, rgb: $0.pixels)) }
    }
}
