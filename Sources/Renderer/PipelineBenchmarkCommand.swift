import ArgumentParser
import Diffusion
import Foundation
import PNG
import RenderStage
import Runtime

/// `Renderer bench-pipeline`: whole images as a user waits for them, text to decoded RGB,
/// on full-size architectures with random weights, beside diffusers on PyTorch with the
/// same settings (scripts/diffusers/benchmark_pipeline_pytorch.py) when `--pytorch` is
/// given. Each row warms up on a 64×64 one-step image, denoises once and then decodes the
/// same latents with the full VAE and with TAESD, so "text → image" is denoising + the
/// chosen decode.
struct PipelineBenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-pipeline",
        abstract: "Time whole images (SD 1.5 20 steps Euler with CFG, LCM 4 steps without CFG, SD-Turbo 1 step), each with the full VAE and with TAESD; optionally beside PyTorch.")

    @Option(help: "Image side (512 = the models' own size).") var size: Int = 512
    @Option(parsing: .upToNextOption, help: "Rows to run: sd15-20, lcm-4, turbo-1.") var rows: [String] = ["turbo-1", "lcm-4", "sd15-20"]
    @Option(help: "Threads for both sides (default: all cores).") var threads: Int?
    @Option(help: "Weight GEMM precision of the text encoder, U-Net and VAE (default: the fastest this CPU runs).")
    var precision: ComputePrecision = .fastest
    @Option(help: "A Python with torch and diffusers: time PyTorch (fp32) first and print ratios.") var pytorch: String?
    @Option(help: "The PyTorch side's script.") var pytorchScript: String = "scripts/diffusers/benchmark_pipeline_pytorch.py"
    @Flag(help: "Also time the safety checker (SD's ViT-L/14 architecture) per image, alone and in a batch of 4.") var safety = false
    @Option(help: "Also denoise each row again with live previews at this interval in seconds (the Renderer's default is 3), and print what they cost.")
    var previews: Double?

    struct Row {
        let name: String
        let label: String
        let architecture: EngineBenchmark.Architecture
        let sampler: Sampler
        let steps: Int
        let guidance: Float
        let spacing: TimestepSpacing?
    }

    static let allRows = [
        Row(name: "turbo-1", label: "SD-Turbo (2.1 arch.), 1 step, CFG 0", architecture: .sd21, sampler: .euler, steps: 1, guidance: 0, spacing: .trailing),
        Row(name: "lcm-4", label: "SD 1.5 + LCM, 4 steps, no CFG", architecture: .sd15, sampler: .lcm, steps: 4, guidance: 1, spacing: nil),
        Row(name: "sd15-20", label: "SD 1.5, 20 steps Euler, CFG 7.5", architecture: .sd15, sampler: .euler, steps: 20, guidance: 7.5, spacing: nil),
    ]

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    func validate() throws {
        guard size >= 64, size % 8 == 0 else { throw ValidationError("--size must be a multiple of 8, at least 64") }
        let unknown = rows.filter { row in !Self.allRows.contains { $0.name == row } }
        guard unknown.isEmpty else { throw ValidationError("unknown rows \(unknown); choose from \(Self.allRows.map(\.name))") }
        guard precision.isSupported else { throw ValidationError("--precision bfloat16 needs a CPU with AVX512-BF16") }
    }

    func run() async throws {
        let threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        setThreadCount(threads)
        let selected = Self.allRows.filter { rows.contains($0.name) }
        var reference: [String: [String: Double]] = [:]
        if let pytorch {
            reference = try PyTorchPipelineBenchmark(python: pytorch, script: pytorchScript).run(rows: selected.map(\.name), size: size, threads: threads)
        }
        let taesd = try EngineBenchmark.randomTAESD(precision: precision)
        var lines: [String] = []
        var previewLines: [String] = []
        for row in selected {
            var scheduler = SchedulerConfig.stableDiffusion1
            scheduler.timestepSpacing = row.spacing
            let model = try EngineBenchmark.randomModel(row.architecture, scheduler: scheduler, precision: precision)
            let pipeline = StableDiffusionPipeline(model: model)
            let request = GenerationRequest(prompt: "a photograph of an astronaut riding a horse", seed: 42, guidanceScale: row.guidance)
            let options = GenerationOptions(width: size, height: size, steps: row.steps, sampler: row.sampler)
            // A 64×64 one-step image first, as a serving process is warm; then one run each.
            let warm = try pipeline.denoise([request], options: GenerationOptions(width: 64, height: 64, steps: 1, sampler: row.sampler))
            _ = pipeline.decode(warm)
            _ = pipeline.decode(warm, with: taesd)
            let started = DispatchTime.now().uptimeNanoseconds
            let latents = try pipeline.denoise([request], options: options)
            let denoise = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let vae = Self.seconds { _ = pipeline.decode(latents) }
            let tiny = Self.seconds { _ = pipeline.decode(latents, with: taesd) }
            print(String(format: "%@: text → latents %.2f s, VAE %.2f s, TAESD %.2f s", row.name, denoise, vae, tiny))
            if let previews {
                for (name, preview) in [("approx", LatentPreview.approxCheap), ("TAESD", .tiny(taesd))] {
                    let cost = try PreviewCost.measure(pipeline, request, options, preview: preview, interval: previews)
                    previewLines.append(String(format: "| %@ | %@ | %.2f | %.2f | %d | %.0f | %.2f %% |", row.label, name, denoise, cost.seconds,
                                               cost.count, cost.each * 1000, 100 * cost.spent / cost.seconds))
                }
            }
            for (decoder, seconds, key) in [("full VAE", vae, "vae"), ("TAESD", tiny, "taesd")] {
                let ours = denoise + seconds
                var line = String(format: "| %@ | %@ | %.1f |", row.label, decoder, ours)
                if let torch = reference[row.name], let d = torch["denoise"], let decode = torch[key] {
                    line += String(format: " %.1f | %.2f× |", d + decode, ours / (d + decode))
                } else {
                    line += " – | – |"
                }
                lines.append(line)
            }
        }
        if safety {
            let checker = try EngineBenchmark.randomSafetyChecker(precision: precision)
            let image = RGBImage(width: size, height: size, pixels: (0..<(size * size * 3)).map { UInt8($0 % 251) })
            _ = checker.check([image])
            let one = Self.seconds { _ = checker.check([image]) }
            let four = Self.seconds { _ = checker.check(Array(repeating: image, count: 4)) } / 4
            lines.append(String(format: "| safety checker (ViT-L/14), %d×%d image | — | %.2f per image alone, %.2f in a batch of 4 | – | – |",
                                size, size, one, four))
        }
        print(String(format: "\nwhole images, %d×%d, random weights, engine %@, %d threads; seconds text → image (denoising once, then each decoder)",
                     size, size, precision.rawValue, threads))
        print("| model | decoder | engine (s) | PyTorch fp32 (s) | ratio |")
        print("|---|---|---|---|---|")
        lines.forEach { print($0) }
        if !previewLines.isEmpty {
            print(String(format: "\nlive previews every %.1f s at most (and within 2 %% of the render), text → latents; the share is time spent drawing previews", previews ?? 0))
            print("| model | preview | without (s) | with (s) | previews | ms each | share of the render |")
            print("|---|---|---|---|---|---|---|")
            previewLines.forEach { print($0) }
        }
    }
}

/// One denoising run with live previews drawn as the Renderer draws them (its pacer, a
/// PNG per preview), timed as a whole and inside the previews.
enum PreviewCost {
    struct Result {
        var seconds: Double
        var spent: Double
        var count: Int
        var each: Double { count > 0 ? spent / Double(count) : 0 }
    }

    static func measure(
        _ pipeline: StableDiffusionPipeline, _ request: GenerationRequest, _ options: GenerationOptions, preview: LatentPreview, interval: Double
    ) throws -> Result {
        var pacer = PreviewPacer(interval: .milliseconds(Int64(interval * 1000)))
        var spent = 0.0
        var count = 0
        let seconds = try PipelineBenchmarkCommand.seconds {
            _ = try pipeline.denoise([request], options: options) { progress in
                guard let denoised = progress.denoised, pacer.isDue(step: progress.step, of: progress.totalSteps) else { return }
                let began = ContinuousClock.now
                let pngs = try preview.images(denoised).map { try PNGEncoder.encode(width: $0.width, height: $0.height, rgb: $0.pixels) }
                precondition(!pngs.isEmpty)
                let cost = ContinuousClock.now - began
                pacer.made(cost: cost)
                spent += cost.seconds
                count += 1
            }
        }
        return Result(seconds: seconds, spent: spent, count: count)
    }
}

/// Runs scripts/diffusers/benchmark_pipeline_pytorch.py and reads the JSON object it prints last.
struct PyTorchPipelineBenchmark {
    let python: String
    let script: String

    func run(rows: [String], size: Int, threads: Int) throws -> [String: [String: Double]] {
        let object = try PyTorchBenchmark.runScript(
            python: python, script: script, arguments: ["--size", "\(size)", "--threads", "\(threads)", "--rows"] + rows, threads: threads)
        return object.compactMapValues { $0 as? [String: Double] }
    }
}
