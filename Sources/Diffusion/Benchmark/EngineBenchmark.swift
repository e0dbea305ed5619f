import Foundation

/// Times the engine's components on a full-size architecture with random weights (no
/// checkpoint needed): U-Net calls at a given batch, the text encoder on 77 tokens, and
/// the VAE decode. Returns numbers; printing is the caller's business.
public enum EngineBenchmark {
    public struct Timing: Sendable {
        public var name: String
        /// Seconds per call: median over `repeats` after one warm-up call (mean of the
        /// middle two for an even count, as Python's statistics.median).
        public var median: Double
        public var all: [Double]
        /// GEMM floating-point operations per call (`GEMMWork`).
        public var flops: Double
    }

    /// SD 1.5's three models with seeded random weights; `precision` applies to all three,
    /// as `StableDiffusionModel.load` does.
    public static func stableDiffusion15(
        seed: UInt64 = 0, precision: ComputePrecision = .float32
    ) throws -> (CLIPTextModel, UNet2DConditionModel, AutoencoderKL) {
        let (text, unet, vae, _) = try stableDiffusion15WithTargets(seed: seed, precision: precision)
        return (text, unet, vae)
    }

    /// `stableDiffusion15` and the layers a LoRA may patch in it.
    public static func stableDiffusion15WithTargets(
        seed: UInt64 = 0, precision: ComputePrecision = .float32
    ) throws -> (CLIPTextModel, UNet2DConditionModel, AutoencoderKL, LoraTargets) {
        let textStore = WeightStore(randomSeed: seed)
        textStore.precision = precision
        let text = try CLIPTextModel(store: textStore, config: CLIPTextConfig())
        let unetStore = WeightStore(randomSeed: seed + 1)
        unetStore.precision = precision
        let unet = try UNet2DConditionModel(store: unetStore, config: UNet2DConditionConfig())
        let vaeStore = WeightStore(randomSeed: seed + 2)
        vaeStore.precision = precision
        let vae = try AutoencoderKL(store: vaeStore, config: AutoencoderKLConfig())
        return (text, unet, vae, LoraTargets(unet: unetStore.layerShapes, textEncoder: textStore.layerShapes))
    }

    /// One U-Net call with each sample's LoRAs, as the pipeline makes it.
    public static func unet(
        _ unet: UNet2DConditionModel, _ x: Tensor, timesteps: [Float], context: Tensor, loras: [[AppliedLora]]
    ) -> Tensor {
        LoraBatch.applying(.unet, loras) { unet(x, timesteps: timesteps, context: context) }
    }

    public static func time(_ name: String, repeats: Int, _ body: () throws -> Void) rethrows -> Timing {
        let flopsBefore = GEMMWork.flops
        try body()  // warm-up
        let flops = Double(GEMMWork.flops - flopsBefore)
        var all = [Double]()
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            all.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let sorted = all.sorted()
        let mid = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        return Timing(name: name, median: median, all: all, flops: flops)
    }

    /// Input noise of the U-Net's shape for a 512×512 image (latent 64×64).
    public static func unetInputs(batch: Int, latent: Int = 64, contextDim: Int = 768) -> (Tensor, Tensor) {
        var g = TorchRandomSource(seed: 7)
        let x = Tensor(shape: [batch, 4, latent, latent], data: g.randn(batch * 4 * latent * latent))
        let c = Tensor(shape: [batch, 77, contextDim], data: g.randn(batch * 77 * contextDim))
        return (x, c)
    }
}
