/// Full-size models with seeded random weights for whole-image benchmarks: no checkpoint
/// is needed, and the compute is the real architecture's.
extension EngineBenchmark {
    public enum Architecture: String, Sendable {
        /// SD 1.5: CLIP ViT-L text tower, 768-wide cross-attention, 8 heads.
        case sd15
        /// SD 2.1 (and SD-Turbo): OpenCLIP ViT-H text tower (23 layers run), 1024-wide
        /// cross-attention, linear projections, heads 5/10/20/20.
        case sd21
    }

    /// - Parameter guidanceEmbedding: an LCM-distilled U-Net's `time_cond_proj_dim` (256), or nil.
    public static func randomModel(
        _ architecture: Architecture, scheduler: SchedulerConfig, precision: ComputePrecision, guidanceEmbedding: Int? = nil, seed: UInt64 = 0
    ) throws -> StableDiffusionModel {
        var text = CLIPTextConfig()
        var unet = UNet2DConditionConfig()
        unet.timeCondProjDim = guidanceEmbedding
        if architecture == .sd21 {
            text.hiddenSize = 1024
            text.intermediateSize = 4096
            text.numHiddenLayers = 23
            text.numAttentionHeads = 16
            text.hiddenAct = .gelu
            unet.crossAttentionDim = 1024
            unet.attentionHeads = [5, 10, 20, 20]
            unet.useLinearProjection = true
        }
        let textStore = WeightStore(randomSeed: seed)
        let unetStore = WeightStore(randomSeed: seed + 1)
        let vaeStore = WeightStore(randomSeed: seed + 2)
        for store in [textStore, unetStore, vaeStore] { store.precision = precision }
        return StableDiffusionModel(
            family: architecture == .sd21 ? .stableDiffusion2 : .stableDiffusion1,
            tokenizer: try CLIPTokenizer.standard(padToken: architecture == .sd21 ? "!" : "<|endoftext|>"),
            textEncoder: try CLIPTextModel(store: textStore, config: text), unet: try UNet2DConditionModel(store: unetStore, config: unet),
            vae: try AutoencoderKL(store: vaeStore, config: AutoencoderKLConfig()), schedulerConfig: scheduler,
            report: LoadReport(unusedKeys: [], ignoredKeyCount: 0, detectedConfiguration: "random \(architecture.rawValue)"),
            name: "random-\(architecture.rawValue)", loraTargets: LoraTargets(unet: unetStore.layerShapes, textEncoder: textStore.layerShapes))
    }

    /// SD's VAE decoder (AutoencoderKLConfig's defaults: sample size 512) with random weights,
    /// seeded as `stableDiffusion15`'s.
    public static func randomVAE(precision: ComputePrecision, seed: UInt64 = 2) throws -> AutoencoderKL {
        let store = WeightStore(randomSeed: seed)
        store.precision = precision
        return try AutoencoderKL(store: store, config: AutoencoderKLConfig())
    }

    /// TAESD's published decoder (64 channels, blocks 3/3/3/1) with random weights.
    public static func randomTAESD(precision: ComputePrecision, seed: UInt64 = 3) throws -> AutoencoderTiny {
        let store = WeightStore(randomSeed: seed)
        store.precision = precision
        return try AutoencoderTiny(store: store, config: AutoencoderTiny.Config())
    }
}

extension EngineBenchmark {
    /// SD's safety checker architecture (CLIP ViT-L/14 vision tower, projection 768, 17 + 3
    /// concepts) with random weights.
    public static func randomSafetyChecker(precision: ComputePrecision, seed: UInt64 = 4) throws -> StableDiffusionSafetyChecker {
        var config = CLIPVisionConfig()
        config.hiddenSize = 1024
        config.intermediateSize = 4096
        config.numHiddenLayers = 24
        config.numAttentionHeads = 16
        config.patchSize = 14
        config.projectionDim = 768
        let store = WeightStore(randomSeed: seed)
        store.precision = precision
        return try StableDiffusionSafetyChecker(store: store, config: config, preprocessor: CLIPImagePreprocessor(), conceptCount: 17, specialCareCount: 3)
    }
}
