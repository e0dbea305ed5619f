import ArgumentParser
import Diffusion
import Foundation

/// `Renderer bench-vae`: one AutoencoderKL decode of SD 1.5's VAE architecture (random
/// weights, sample size 512) at a chosen image size, tiled or not, for its time and the
/// process's peak RSS. Peak RSS is per process: run once per setting (under
/// `/usr/bin/time -v` for the kernel's own count).
struct VAEBenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-vae",
        abstract: "Time the full-size SD 1.5 VAE decode (random weights) at one image size, tiled (512² tiles, the default) or untiled; print seconds and peak RSS.")

    @Option(help: "Image side in pixels (768 = latent 96×96).") var size: Int = 768
    @Flag(help: "Decode in one piece (diffusers' default) instead of 512² tiles.") var untiled = false
    @Option(help: "Timed decodes (no warm-up: the first is timed too).") var repeats: Int = 1
    @Option(help: "Threads (default: all cores).") var threads: Int?
    @Option(help: "Weight GEMM precision (default: the fastest this CPU runs).") var precision: ComputePrecision = .fastest

    func validate() throws {
        guard size >= 64, size % 8 == 0, repeats >= 1 else { throw ValidationError("--size must be a multiple of 8, at least 64; --repeats at least 1") }
        guard precision.isSupported else { throw ValidationError("--precision bfloat16 needs a CPU with AVX512-BF16") }
    }

    func run() async throws {
        let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        setThreadCount(threads)
        var vae = try EngineBenchmark.randomVAE(precision: precision)
        vae.useTiling = !untiled
        var g = TorchRandomSource(seed: 7)
        let latent = size / 8
        let z = Tensor(shape: [1, 4, latent, latent], data: g.randn(16 * latent * latent))
        print(String(format: "VAE decode %d×%d, %@, %@, %d threads; RSS after load %.2f GB", size, size, untiled ? "untiled" : "tiled",
                     precision.rawValue, threads, ProcessMemory.gigabytes("VmRSS")))
        for _ in 0..<repeats {
            let seconds = PipelineBenchmarkCommand.seconds { _ = vae.decode(z) }
            print(String(format: "decode: %.2f s", seconds))
        }
        print(String(format: "peak RSS (VmHWM): %.2f GB", ProcessMemory.gigabytes("VmHWM")))
    }
}
