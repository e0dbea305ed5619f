/// Matches diffusers `StableDiffusionPipeline.__call__` (src/diffusers/pipelines/stable_diffusion/
/// pipeline_stable_diffusion.py) for text-to-image, generalised to a batch in which every
/// image has its own prompt, negative prompt, seed and guidance (diffusers with a list of
/// generators): one text-encoder batch, one U-Net batch per step holding the unconditional
/// rows of the images with guidance > 1 followed by every image's conditional row, and an
/// elementwise scheduler step, so each image comes out as it would alone — its LoRAs
/// included, which apply to its own rows only (`LoraBatch`).
public struct StableDiffusionPipeline: Sendable {
    public let model: StableDiffusionModel

    public init(model: StableDiffusionModel) { self.model = model }

    public func generate(
        _ requests: [GenerationRequest], options: GenerationOptions, progress: (PipelineProgress) throws -> Void = { _ in }
    ) throws -> [RGBImage] {
        let latents = try denoise(requests, options: options, progress: progress)
        let images = decode(latents)
        try progress(PipelineProgress(stage: .decoded, step: options.steps, totalSteps: options.steps))
        return images
    }

    /// Text to final latents, (N, 4, h, w) before the VAE's scaling: everything but the decode.
    public func denoise(
        _ requests: [GenerationRequest], options: GenerationOptions, progress: (PipelineProgress) throws -> Void = { _ in }
    ) throws -> Tensor {
        let n = requests.count
        guard n > 0 else { throw DiffusionError.invalidArgument("no prompts to generate") }
        guard options.width > 0, options.height > 0, options.width % 8 == 0, options.height % 8 == 0 else {
            throw DiffusionError.invalidArgument("width and height must be positive multiples of 8, got \(options.width)x\(options.height)")
        }
        guard options.steps >= 1 else { throw DiffusionError.invalidArgument("steps must be at least 1, got \(options.steps)") }
        let (h, w) = (options.height / 8, options.width / 8)
        let c = model.unet.config.inChannels
        let per = c * h * w

        // Text: unconditional rows (guided images only), then every conditional row. An
        // LCM-distilled U-Net takes the guidance as an embedding instead (diffusers'
        // LatentConsistencyModelPipeline): no unconditional rows, w = guidance − 1.
        let guidanceEmbedding = model.unet.config.timeCondProjDim.map { dim in
            Tensor(shape: [n, dim], data: guidanceScaleEmbedding(requests.map { $0.guidanceScale - 1 }, dim: dim))
        }
        let guided = guidanceEmbedding != nil ? [] : requests.indices.filter { requests[$0].guidanceScale > 1 }
        let tokens = guided.map { model.tokenizer.encode(requests[$0].negativePrompt) } + requests.map { model.tokenizer.encode($0.prompt) }
        // Each row's LoRAs are its image's (the unconditional row's too), in the same order.
        let rowLoras = guided.map { requests[$0].loras } + requests.map(\.loras)
        let context = try LoraBatch.applying(.textEncoder, rowLoras) { try model.textEncoder(tokens, clipSkip: options.clipSkip) }
        try progress(PipelineProgress(stage: .textEncoded, step: 0, totalSteps: options.steps))

        let sampler = options.sampler ?? model.schedulerConfig.defaultSampler
        if sampler == .lcm, options.steps > model.schedulerConfig.originalInferenceSteps {
            throw DiffusionError.invalidArgument(
                "LCM takes at most \(model.schedulerConfig.originalInferenceSteps) steps (the schedule it was distilled on), got \(options.steps)")
        }
        var scheduler = sampler.makeScheduler(config: model.schedulerConfig, steps: options.steps)
        let timesteps = scheduler.timesteps

        // Initial noise, per image from its own generator (which then supplies its ancestral noise).
        var generators = requests.map { TorchRandomSource(seed: $0.seed) }
        var latents: [Float]
        if let given = options.initialLatents {
            guard given.shape == [n, c, h, w] else {
                throw DiffusionError.invalidArgument("initial latents have shape \(given.shape), expected \([n, c, h, w])")
            }
            latents = given.data
        } else {
            latents = []
            for i in 0..<n { latents += generators[i].randn(per) }
        }
        let draws = scheduler.noiseDraws
        if let noise = options.stepNoise, noise.shape != [draws, n, c, h, w] {
            throw DiffusionError.invalidArgument("step noise has shape \(noise.shape), expected \([draws, n, c, h, w])")
        }
        var drawn = 0
        let originalSample = PredictedOriginalSample(config: model.schedulerConfig)
        let sigma0 = scheduler.initNoiseSigma
        latents = latents.map { $0 * sigma0 }

        for (i, t) in timesteps.enumerated() {
            let scaled = scheduler.scaleModelInput(latents, index: i)
            var input = [Float]()
            input.reserveCapacity((guided.count + n) * per)
            for j in guided { input += scaled[(j * per)..<((j + 1) * per)] }
            input += scaled
            let rows = guided.count + n
            let out = LoraBatch.applying(.unet, rowLoras) {
                model.unet(Tensor(shape: [rows, c, h, w], data: input), timesteps: Array(repeating: t, count: rows), context: context,
                           timestepCond: guidanceEmbedding)
            }
            // noise_pred = noise_pred_uncond + guidance_scale * (noise_pred_text - noise_pred_uncond)
            var guidedOutput = Array(out.data[(guided.count * per)...])
            for (row, j) in guided.enumerated() {
                let g = requests[j].guidanceScale
                for k in 0..<per {
                    let u = out.data[row * per + k]
                    guidedOutput[j * per + k] = u + g * (guidedOutput[j * per + k] - u)
                }
            }
            var noise: [Float]?
            if scheduler.needsNoise(at: i) {
                if let given = options.stepNoise {
                    noise = Array(given.data[(drawn * n * per)..<((drawn + 1) * n * per)])
                } else {
                    var fresh = [Float]()
                    for j in 0..<n { fresh += generators[j].randn(per) }
                    noise = fresh
                }
                drawn += 1
            }
            latents = scheduler.step(guidedOutput, index: i, sample: latents, noise: noise)
            let denoised = originalSample.predict(modelInput: scaled, modelOutput: guidedOutput, timestep: t)
            try progress(PipelineProgress(stage: .denoising, step: i + 1, totalSteps: timesteps.count,
                                          denoised: Tensor(shape: [n, c, h, w], data: denoised)))
        }

        return Tensor(shape: [n, c, h, w], data: latents)
    }

    /// Final latents to RGB with the model's decoder (`decoder` instead, when given), one
    /// image at a time: the VAE's activations at 512² are the largest tensors of a run.
    public func decode(_ latents: Tensor, with decoder: (any LatentDecoder)? = nil) -> [RGBImage] {
        let decoder = decoder ?? model.vae
        releaseFreeHeapMemory()
        return (0..<latents.shape[0]).map { j in Self.image(of: latents.slice(j..<(j + 1)), decodedBy: decoder) }
    }

    /// One latent (1, c, h, w) in the U-Net's space to RGB: divided by the decoder's scaling
    /// factor, decoded, and quantised as diffusers does.
    static func image(of z: Tensor, decodedBy decoder: any LatentDecoder) -> RGBImage {
        let scale = 1 / decoder.scalingFactor
        return toRGB(decoder.decode(Tensor(shape: z.shape, data: z.data.map { $0 * scale })))
    }

    /// (1, 3, H, W) in [-1, 1] → RGB8 as diffusers' postprocess + numpy_to_pil:
    /// (x / 2 + 0.5).clamp(0, 1), then (· 255).round() (half to even) as uint8.
    static func toRGB(_ x: Tensor) -> RGBImage {
        let (hh, ww) = (x.shape[2], x.shape[3])
        let plane = hh * ww
        var px = [UInt8](repeating: 0, count: plane * 3)
        for ch in 0..<3 {
            for i in 0..<plane {
                let v = min(max(x.data[ch * plane + i] / 2 + 0.5, 0), 1)
                px[i * 3 + ch] = UInt8((v * 255).rounded(.toNearestOrEven))
            }
        }
        return RGBImage(width: ww, height: hh, pixels: px)
    }
}
