/// One image to generate: its own prompt, negative prompt, seed and guidance.
public struct GenerationRequest: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    /// `torch.Generator("cpu").manual_seed(seed)` compatible.
    public var seed: UInt64
    /// Classifier-free guidance scale; ≤ 1 skips the unconditional pass for this image.
    public var guidanceScale: Float
    /// LoRAs applied to this image only (its unconditional pass included), at their weights.
    public var loras: [AppliedLora]

    public init(prompt: String, negativePrompt: String = "", seed: UInt64, guidanceScale: Float = 7.5, loras: [AppliedLora] = []) {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.seed = seed
        self.guidanceScale = guidanceScale
        self.loras = loras
    }
}

/// What a batch shares: size, steps, sampler (and optional replacement noise).
public struct GenerationOptions: Sendable {
    public var width: Int
    public var height: Int
    public var steps: Int
    /// nil: the model's own scheduler (scheduler_config.json's class), as diffusers uses.
    public var sampler: Sampler?
    /// diffusers' clip_skip (A1111's "Clip skip" minus one).
    public var clipSkip: Int
    /// Replaces the seeded initial noise: [batch, 4, height/8, width/8].
    public var initialLatents: Tensor?
    /// Replaces the ancestral noise: [scheduler steps, batch, 4, height/8, width/8].
    public var stepNoise: Tensor?

    public init(width: Int = 512, height: Int = 512, steps: Int = 20, sampler: Sampler? = nil, clipSkip: Int = 0,
                initialLatents: Tensor? = nil, stepNoise: Tensor? = nil) {
        self.width = width
        self.height = height
        self.steps = steps
        self.sampler = sampler
        self.clipSkip = clipSkip
        self.initialLatents = initialLatents
        self.stepNoise = stepNoise
    }
}

/// Reported after the text encoder, after every U-Net step and after decoding.
public struct PipelineProgress: Sendable {
    public enum Stage: Sendable { case textEncoded, denoising, decoded }
    public var stage: Stage
    /// Completed denoising steps and their total (model calls: PNDM makes steps + 1).
    public var step: Int
    public var totalSteps: Int
    /// After a denoising step: each image's predicted clean latents at that step
    /// (diffusers' `pred_original_sample`), (N, 4, h, w) in the U-Net's space — what a
    /// live preview decodes.
    public var denoised: Tensor?

    public init(stage: Stage, step: Int, totalSteps: Int, denoised: Tensor? = nil) {
        self.stage = stage
        self.step = step
        self.totalSteps = totalSteps
        self.denoised = denoised
    }
}

/// 8-bit RGB, rows top to bottom, no padding.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
