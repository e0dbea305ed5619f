import ArgumentParser
import Diffusion
import Foundation
import PNG
import PromptSyntax
import RenderStage
import Schema

/// `Renderer render`: text → PNG with the Diffusion engine, for tests, benchmarks and
/// operators. Every failure prints one line on stderr and exits non-zero.
struct RenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render prompts to PNG files with Stable Diffusion 1.x/2.x on the CPU.",
        discussion: """
            PATH is a diffusers folder (model_index.json, tokenizer/, text_encoder/, unet/, vae/, scheduler/) \
            or one .safetensors checkpoint in the original Stable Diffusion key layout. Pickled .ckpt files are refused.

            Several --prompt options render one batch; a single --negative or --seed applies to every prompt, \
            otherwise give one per prompt. With several prompts, image i (counting from 0) goes to FILE-i.png. \
            Seeds reproduce diffusers' torch.Generator("cpu").manual_seed(S) noise. The PNG carries the \
            generation parameters in a tEXt chunk named "parameters" (AUTOMATIC1111 format).

            <lora:NAME> or <lora:NAME:WEIGHT> anywhere in a prompt applies DIR/NAME.safetensors (--lora-dir) to that \
            image, as AUTOMATIC1111 does: the tags are cut out of the text; kohya and diffusers/PEFT files, U-Net and \
            text encoder, Linear and convolution layers.
            """)

    @Option(name: .long, help: ArgumentHelp("Diffusers folder or single-file .safetensors checkpoint.", valueName: "PATH"))
    var model: String

    @Option(name: .long, help: ArgumentHelp("Diffusers folder describing a single-file model (needed when its channels do not follow SD's 32 GroupNorm groups).", valueName: "DIR"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("VAE to decode with instead of the model's own: an AutoencoderKL folder or .safetensors (vae-ft-mse-840000 style), or TAESD (AutoencoderTiny folder or taesd_decoder.safetensors).", valueName: "PATH"))
    var vae: String?

    @Option(name: .customLong("lora-dir"), help: ArgumentHelp("Folder of LoRA .safetensors files that <lora:NAME:WEIGHT> tags in prompts name.", valueName: "DIR"))
    var loraDir: String?

    @Option(name: .long, help: ArgumentHelp("Prompt; repeat for a batch.", valueName: "TEXT"))
    var prompt: [String] = []

    @Option(name: .long, help: ArgumentHelp("Negative prompt: one for all prompts or one per prompt.", valueName: "TEXT"))
    var negative: [String] = []

    @Option(name: .long, help: ArgumentHelp("Denoising steps (default: the model's, as the bot's: 20, 4 for LCM, 1 for Turbo; PNDM makes steps + 1 U-Net calls).", valueName: "N"))
    var steps: Int?

    @Option(name: [.long, .customLong("cfg")], help: ArgumentHelp("Classifier-free guidance scale, or --cfg as in the chat (default: the model's, as the bot's); 1 or less skips the unconditional pass.", valueName: "G"))
    var guidance: Float?

    @Option(name: .long, help: ArgumentHelp("Seed: one for all prompts or one per prompt (default: random, printed).", valueName: "S"))
    var seed: [UInt64] = []

    @Option(name: .long, help: ArgumentHelp("Sampler, named as in the chat: \(Sampler.allCases.map(\.a1111Name).joined(separator: ", ")) or the engine's \(Sampler.allCases.map(\.rawValue).joined(separator: "|")), any case (default: the model's, as the bot's: Euler a for SD 1.x/2.x).", valueName: "NAME"))
    var sampler: String?

    @Option(name: .long, help: ArgumentHelp("Image size as in the chat, instead of --width and --height (default: the size the model was trained at, as the bot's).", valueName: "WxH"))
    var size: String?

    @Option(name: .long, help: ArgumentHelp("Image width, a multiple of 8.", valueName: "W"))
    var width: Int?

    @Option(name: .long, help: ArgumentHelp("Image height, a multiple of 8.", valueName: "H"))
    var height: Int?

    @Option(name: .long, help: ArgumentHelp("float32 .npy of shape [batch,4,H/8,W/8] replacing the initial noise.", valueName: "FILE.npy"))
    var latents: String?

    @Option(name: .customLong("step-noise"), help: ArgumentHelp("float32 .npy of shape [draws,batch,4,H/8,W/8] replacing the ancestral noise: one draw per step (euler_a), steps - 1 for lcm.", valueName: "FILE.npy"))
    var stepNoise: String?

    @Option(name: .customLong("clip-skip"), help: ArgumentHelp("Skip the last N text-encoder layers (diffusers' clip_skip; A1111's Clip skip minus 1).", valueName: "N"))
    var clipSkip: Int = 0

    @Option(name: .customLong("prediction-type"), help: ArgumentHelp("Override the model's prediction type: epsilon|v_prediction.", valueName: "TYPE"))
    var predictionType: String?

    @Option(name: .long, help: ArgumentHelp("Threads the engine splits its work into (default: all cores).", valueName: "N"))
    var threads: Int?

    @Option(name: .long, help: ArgumentHelp("Output PNG; with several prompts FILE-0.png, FILE-1.png, …", valueName: "FILE.png"))
    var out: String = "out.png"

    @Option(name: .long, help: ArgumentHelp("Weight GEMM precision of the text encoder, U-Net and VAE: float32 (the same image as diffusers' fp32 for a seed) or bfloat16 (about twice as fast on AVX512-BF16; the image differs slightly from diffusers' for the same seed, as PyTorch's own bf16 does). Default: the fastest this CPU runs. The PNG's parameters say which ran.", valueName: "P"))
    var precision: ComputePrecision = .fastest

    @Option(name: .customLong("vae-tiling"), help: ArgumentHelp("Decode in tiles (diffusers' enable_tiling, bounded memory): auto (images larger than 512²), on or off.", valueName: "MODE"))
    var vaeTiling: VAETiling = .auto

    @Flag(name: .long, help: "Do not print progress on stderr.")
    var quiet = false

    func run() async throws {
        do {
            try render()
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("error: \(String(describing: error).replacingOccurrences(of: "\n", with: " "))\n".utf8))
            throw ExitCode.failure
        }
    }

    func render() throws {
        let plan = try validated()
        if let threads { setThreadCount(threads) }
        if !precision.isSupported {
            throw DiffusionError.invalidArgument("--precision bfloat16 needs a CPU with AVX512-BF16, which this one lacks")
        }
        var model = try StableDiffusionModel.load(path: model, predictionType: plan.prediction, precision: precision, config: config)
        log("loaded \(model.report)")
        if let vae {
            model = model.replacingVAE(try VAELoader.load(path: vae, precision: precision))
            log("decoding with \(model.vae)")
        }
        let options = try plan.options(for: model)
        log("\(options.steps) steps, \(options.sampler?.a1111Name ?? "?"), CFG \(plan.guidance(for: model)), \(options.width)x\(options.height)")
        let library = try loraDir.map { try LoraLibrary(folder: $0, targets: model.loraTargets) }
        let requests = try plan.requests(for: model).map { request in
            let prompt = try PromptLoras(request.prompt, library: library)
            var stripped = request
            stripped.prompt = prompt.text
            stripped.loras = prompt.loras
            return stripped
        }
        model = model.withVAETiling(vaeTiling.applies(width: options.width, height: options.height))
        let pipeline = StableDiffusionPipeline(model: model)
        let images = try pipeline.generate(requests, options: options) { p in
            if p.stage == .denoising { log("step \(p.step)/\(p.totalSteps)") }
        }
        for (i, image) in images.enumerated() {
            let path = images.count == 1 ? out : Self.numbered(out, i)
            let sampler = options.sampler ?? model.schedulerConfig.defaultSampler
            let text = InfoText.parameters(request: requests[i], options: options, sampler: sampler, modelName: model.name,
                                           typedPrompt: plan.prompts[i], precision: precision)
            let png = try PNGEncoder.encode(width: image.width, height: image.height, rgb: image.pixels, text: [("parameters", text)])
            do {
                try Data(png).write(to: URL(fileURLWithPath: path))
            } catch {
                throw DiffusionError.invalidArgument("cannot write \(path): \(error.localizedDescription)")
            }
            print(path)
        }
    }

    /// Checks every option before the (slow) model load. What was not given comes from
    /// the model's profile once it is loaded (`RenderCommand.Plan`), as the bot's does.
    func validated() throws -> Plan {
        func fail(_ s: String) -> DiffusionError { .invalidArgument(s) }
        guard !prompt.isEmpty else { throw fail("at least one --prompt is required") }
        let n = prompt.count
        guard negative.count <= 1 || negative.count == n else { throw fail("give one --negative for all prompts or one per prompt (\(n)), not \(negative.count)") }
        guard seed.count <= 1 || seed.count == n else { throw fail("give one --seed for all prompts or one per prompt (\(n)), not \(seed.count)") }
        var plan = Plan(prompts: prompt, steps: steps, guidance: guidance, width: width, height: height, latents: latents, stepNoise: stepNoise)
        if let name = self.sampler {
            guard let sampler = Sampler(typedName: name) else {
                throw fail("unknown sampler '\(name)'; choose one of \(Sampler.allCases.map(\.a1111Name).joined(separator: ", "))")
            }
            plan.sampler = sampler
        }
        if let size {
            guard width == nil, height == nil else { throw fail("give --size or --width and --height, not both") }
            guard let parsed = SizeText.parse(size) else { throw fail("--size must be WxH, e.g. 512x768, not '\(size)'") }
            (plan.width, plan.height) = (parsed.width, parsed.height)
        }
        for side in [plan.width, plan.height].compactMap({ $0 }) {
            guard side > 0, side % 8 == 0 else { throw fail("the width and height must be positive multiples of 8, got \(side)") }
            guard side <= 4096 else { throw fail("the width and height must be at most 4096, got \(side)") }
        }
        if let steps { guard (1...1000).contains(steps) else { throw fail("--steps must be between 1 and 1000, got \(steps)") } }
        if let guidance { guard guidance.isFinite else { throw fail("--guidance must be a finite number") } }
        guard clipSkip >= 0 else { throw fail("--clip-skip must be 0 or more") }
        plan.clipSkip = clipSkip
        if let threads, threads < 1 { throw fail("--threads must be at least 1") }
        if let p = predictionType {
            guard let parsed = PredictionType(rawValue: p) else { throw fail("unknown --prediction-type '\(p)'; choose epsilon or v_prediction") }
            plan.prediction = parsed
        }
        let outDir = URL(fileURLWithPath: out).deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: outDir, isDirectory: &isDir), isDir.boolValue else { throw fail("output folder \(outDir) does not exist") }
        plan.seeds = seed.count == n ? seed : Array(repeating: seed.first ?? UInt64.random(in: 0...UInt64(UInt32.max)), count: n)
        if seed.isEmpty { log("seed \(plan.seeds[0])") }
        plan.negatives = (0..<n).map { negative.count == n ? negative[$0] : (negative.first ?? "") }
        return plan
    }

    /// out.png → out-3.png
    static func numbered(_ path: String, _ i: Int) -> String {
        let url = URL(fileURLWithPath: path)
        let ext = url.pathExtension
        let base = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return base + "-\(i)" + (ext.isEmpty ? "" : "." + ext)
    }

    func log(_ s: String) {
        if !quiet { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    }
}

extension ParsableCommand {
    /// Runs a command tree so that every error, including ArgumentParser's own parse errors,
    /// is one line on stderr with a non-zero exit; `--help` still prints the full help.
    /// For the executable's `@main`: `static func main() async { await Root.mainWithOneLineErrors() }`.
    public static func mainWithOneLineErrors(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else if !(error is ExitCode) {
                let line = message(for: error).split(separator: "\n").first.map(String.init) ?? "error"
                FileHandle.standardError.write(Data("error: \(line)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

extension ComputePrecision: ExpressibleByArgument {}
extension VAETiling: ExpressibleByArgument {}
