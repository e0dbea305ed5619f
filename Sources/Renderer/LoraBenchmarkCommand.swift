import ArgumentParser
import Diffusion
import Foundation

/// `Renderer bench-lora`: what LoRAs cost the U-Net on the full SD 1.5 architecture
/// (random weights and random LoRAs of a typical shape: every attention projection,
/// feed-forward and proj_in/proj_out of the transformer blocks), and the two ways to
/// serve a batch whose images ask for different styles: one batch with per-sample
/// low-rank terms (what the Renderer does) or one batch per LoRA set.
struct LoraBenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-lora",
        abstract: "Time the U-Net with LoRAs (SD 1.5 architecture, random weights): no LoRA, one style per batch, mixed styles in one batch, mixed styles split into batches; memory per cached LoRA.")

    @Option(help: "Latent size (64 = 512×512 images, 32 = 256×256).") var latent: Int = 32
    @Option(help: "Images per batch; with guidance each image is two U-Net samples.") var images: Int = 2
    @Option(help: "LoRA rank.") var rank: Int = 32
    @Option(help: "Timed repeats per measurement (after one warm-up).") var repeats: Int = 2
    @Option(help: "Denoising steps per image, for images/hour.") var steps: Int = 20
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Weight GEMM precision of the U-Net (default: the fastest this CPU runs).")
    var precision: ComputePrecision = .fastest

    func validate() throws {
        guard latent >= 8, latent % 8 == 0, images >= 1, rank >= 1, repeats >= 1, steps >= 1 else {
            throw ValidationError("latent must be a multiple of 8; images, rank, repeats and steps positive")
        }
        guard precision.isSupported else { throw ValidationError("--precision bfloat16 needs a CPU with AVX512-BF16") }
    }

    func run() async throws {
        let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        setThreadCount(threads)
        let (_, unet, _, targets) = try EngineBenchmark.stableDiffusion15WithTargets(precision: precision)
        let styles = try (0..<images).map {
            try LoraAdapter(randomFor: targets, name: "style\($0)", rank: rank, seed: UInt64(100 + $0)) { module in
                module.contains("transformer_blocks") || module.hasSuffix("proj_in") || module.hasSuffix("proj_out")
            }
        }
        let perLora = Double(styles[0].byteCount) / 1_048_576
        print(String(format: "SD 1.5 U-Net, random weights, %@, %d threads, %d×%d images, %d per batch (x2 with guidance), rank %d, median of %d",
                     precision.rawValue, threads, latent * 8, latent * 8, images, rank, repeats))
        print(String(format: "a cached LoRA of this shape: %d layers, %.1f MiB of fp32 factors (%d parameters)",
                     styles[0].layerCount(.unet), perLora, styles[0].byteCount / 4))

        // Rows: every image's unconditional then conditional sample, as the pipeline orders them.
        let samples = 2 * images
        let (x, context) = EngineBenchmark.unetInputs(batch: samples, latent: latent)
        let t = Array(repeating: Float(500), count: samples)
        func rowsOf(_ perImage: [[AppliedLora]]) -> [[AppliedLora]] { perImage + perImage }
        func timed(_ name: String, _ perImage: [[AppliedLora]]) -> Double {
            EngineBenchmark.time(name, repeats: repeats) { _ = EngineBenchmark.unet(unet, x, timesteps: t, context: context, loras: rowsOf(perImage)) }.median
        }
        let plain = timed("no LoRA", Array(repeating: [], count: images))
        let single = timed("one style", Array(repeating: [AppliedLora(styles[0], weight: 0.8)], count: images))
        let mixed = timed("mixed styles", styles.map { [AppliedLora($0, weight: 0.8)] })
        // The alternative: one batch per LoRA set, here one image (two samples) each.
        let (x1, context1) = EngineBenchmark.unetInputs(batch: 2, latent: latent)
        let unbatched = Double(images) * EngineBenchmark.time("no LoRA, one batch per image", repeats: repeats) {
            _ = unet(x1, timesteps: [500, 500], context: context1)
        }.median
        let split = Double(images) * EngineBenchmark.time("one batch per style", repeats: repeats) {
            _ = EngineBenchmark.unet(unet, x1, timesteps: [500, 500], context: context1, loras: [[AppliedLora(styles[0], weight: 0.8)], [AppliedLora(styles[0], weight: 0.8)]])
        }.median
        print("\n| batch of \(images) images | s per U-Net step | vs no LoRA | images/hour (\(steps) steps) |")
        print("|---|---|---|---|")
        for (name, seconds) in [("no LoRA", plain), ("no LoRA, one batch per image", unbatched), ("one style for all", single),
                                ("mixed styles, one batch (kept)", mixed), ("mixed styles, one batch per style", split)] {
            print(String(format: "| %@ | %.2f | %.2f× | %.0f |", name, seconds, seconds / plain, 3600 / (Double(steps) * seconds / Double(images))))
        }
    }
}
