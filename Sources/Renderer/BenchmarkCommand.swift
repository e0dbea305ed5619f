import ArgumentParser
import Diffusion
import Foundation

/// `Renderer benchmark`: the engine's speed and memory on the full SD 1.5 architecture with
/// random weights, at each latent size and U-Net batch asked for; with `--pytorch PYTHON`,
/// diffusers on PyTorch (scripts/diffusers/benchmark_pytorch.py) runs each resolution just
/// before the engine does, and the table prints both sides and their ratio.
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Time full-size SD 1.5 (random weights): U-Net per step at batches 1/2/4, text encoder, VAE decode, images/hour, peak RSS; optionally beside PyTorch.",
        aliases: ["bench"])

    @Option(help: "Timed repeats per measurement (after one warm-up).") var repeats: Int = 3
    @Option(parsing: .upToNextOption, help: "Latent sizes (64 = 512×512 images, 32 = 256×256).") var latent: [Int] = [64, 32]
    @Option(parsing: .upToNextOption, help: "U-Net batch sizes to time.") var batch: [Int] = [1, 2, 4]
    @Option(help: "Threads for both sides (default: all cores).") var threads: Int?
    @Option(help: "Weight GEMM precision of the text encoder, U-Net and VAE (default: the fastest this CPU runs).")
    var precision: ComputePrecision = .fastest
    @Option(help: "Denoising steps per image, for images/hour.") var steps: Int = 30
    @Option(help: "A Python with torch and diffusers: time PyTorch beside the engine and print ratios.") var pytorch: String?
    @Option(help: "PyTorch's precision: float32 (the reference) or bfloat16.") var pytorchDtype: String = "float32"
    @Option(help: "The PyTorch side's script.") var pytorchScript: String = "scripts/diffusers/benchmark_pytorch.py"
    @Flag(help: "Skip the VAE decode.") var skipVAE = false
    @Flag(help: "Print where the time of one U-Net call (at the first latent size and batch) and one VAE decode goes, by kind of layer.")
    var profile = false
    @Flag(help: "Skip the text encoder.") var skipText = false
    @Flag(help: "Keep glibc's default allocator settings (to measure their effect; read by main before parsing).")
    var defaultAllocator = false

    func validate() throws {
        guard repeats >= 1, steps >= 1, latent.allSatisfy({ $0 >= 8 && $0 % 8 == 0 }), batch.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("repeats and steps must be positive, latent sizes multiples of 8, batches at least 1")
        }
        guard precision.isSupported else {
            throw ValidationError("--precision bfloat16 needs a CPU with AVX512-BF16, which this one lacks")
        }
        guard ["float32", "bfloat16"].contains(pytorchDtype) else {
            throw ValidationError("--pytorch-dtype must be float32 or bfloat16, not '\(pytorchDtype)'")
        }
    }

    func run() async throws {
        let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        setThreadCount(threads)
        let (text, unet, vae) = try EngineBenchmark.stableDiffusion15(precision: precision)
        print(String(format: "engine: SD 1.5 architecture, random weights, %@, %d threads, median of %d; RSS after load %.2f GB",
                     precision.rawValue, threads, repeats, ProcessMemory.gigabytes("VmRSS")))
        let ceilings = ComputePrecision.allCases.filter(\.isSupported)
            .map { ($0, GEMMWork.ceiling($0)) }
        print("GEMM ceiling (1280×4096×2880): " + ceilings.map { String(format: "%@ %.0f GFLOP/s", $0.0.rawValue, $0.1) }.joined(separator: ", "))
        var torchPeak = 0.0
        // the text encoder does not depend on the resolution: timed once, counted in each images/hour
        var engineText: Double?
        var gemmRates: [String] = []
        var torchText: Double?
        for (index, size) in latent.enumerated() {
            let withText = index == 0 && !skipText
            var reference: ComponentTimes?
            if let pytorch {
                reference = try PyTorchBenchmark(python: pytorch, script: pytorchScript, dtype: pytorchDtype).run(
                    latent: size, batches: batch, repeats: repeats, threads: threads, text: withText, vae: !skipVAE)
                torchPeak = max(torchPeak, reference?.peakRSS ?? 0)
                torchText = reference?.text ?? torchText
                reference?.text = torchText
            }
            var engine = ComponentTimes()
            let ids = [[49406] + Array(repeating: 320, count: 20) + Array(repeating: 49407, count: 56)]
            if withText {
                let timing = try EngineBenchmark.time("text encoder, batch 2 x 77 tokens", repeats: max(repeats, 5)) { _ = try text(ids + ids) }
                printCalls(timing)
                engineText = timing.median
            }
            engine.text = engineText
            for b in batch {
                let (x, c) = EngineBenchmark.unetInputs(batch: b, latent: size)
                let timing = EngineBenchmark.time("U-Net, batch \(b)", repeats: repeats) {
                    _ = unet(x, timesteps: Array(repeating: 500, count: b), context: c)
                }
                printCalls(timing, latent: size)
                engine.unet[b] = timing.median
                let rate = timing.flops / timing.median / 1e9
                gemmRates.append(String(format: "U-Net %d², batch %d: %.0f GFLOP of GEMMs per call, %.0f GFLOP/s = ", size * 8, b, timing.flops / 1e9, rate)
                    + ceilings.map { String(format: "%.0f%% of the %@ ceiling", 100 * rate / $0.1, $0.0.rawValue) }.joined(separator: ", "))
            }
            if !skipVAE {
                let (z, _) = EngineBenchmark.unetInputs(batch: 1, latent: size)
                let timing = EngineBenchmark.time("VAE decode, batch 1", repeats: max(1, repeats - 1)) { _ = vae.decode(z) }
                printCalls(timing, latent: size)
                engine.vae = timing.median
            }
            BenchmarkTable(latent: size, steps: steps, engine: engine, reference: reference, referenceName: "PyTorch \(pytorchDtype)",
                           showText: withText).print()
        }
        if profile, let size = latent.first, let b = batch.first {
            let (x, c) = EngineBenchmark.unetInputs(batch: b, latent: size)
            LayerProfileTable.print("U-Net \(size * 8)², batch \(b)", precision: precision, ceilings: ceilings) {
                _ = unet(x, timesteps: Array(repeating: 500, count: b), context: c)
            }
            if !skipVAE {
                let (z, _) = EngineBenchmark.unetInputs(batch: 1, latent: size)
                LayerProfileTable.print("VAE decode \(size * 8)²", precision: precision, ceilings: ceilings) { _ = vae.decode(z) }
            }
        }
        print("\n== GEMM throughput reached")
        gemmRates.forEach { print($0) }
        let peak = ProcessMemory.gigabytes("VmHWM")
        print(String(format: "peak RSS (VmHWM): engine %.2f GB", peak)
              + (pytorch == nil ? "" : String(format: ", PyTorch %.2f GB, ratio %.2f", torchPeak, peak / max(torchPeak, 1e-9))))
    }
}

/// Every timed call of a measurement, as PyTorch's side prints them: runs on this 2-core VM
/// vary by several percent, and the spread says how far a median can be trusted.
private func printCalls(_ timing: EngineBenchmark.Timing, latent: Int? = nil) {
    let size = latent.map { ", latent \($0)x\($0)" } ?? ""
    print(String(format: "   engine | %@%@: median %.3f s (%@)", timing.name, size, timing.median,
                 timing.all.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
}

/// Seconds per call of each component at one resolution (nil: not measured).
struct ComponentTimes {
    var text: Double?
    var unet: [Int: Double] = [:]
    var vae: Double?
    var peakRSS: Double?
}

/// /proc/self/status fields, in GB.
enum ProcessMemory {
    static func gigabytes(_ field: String) -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kb = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0
            return kb / 1_048_576
        }
        return 0
    }
}
