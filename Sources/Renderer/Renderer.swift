import ArgumentParser
import Diffusion
import Metrics
import Prometheus
import RenderStage
import Runtime
import Schema
import ServiceLifecycle
import StageSupport

@main
struct RendererCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Renderer",
        abstract: "Claims queued jobs in micro-batches and renders them.",
        subcommands: [Run.self, RenderCommand.self, BenchmarkCommand.self, LoraBenchmarkCommand.self, PipelineBenchmarkCommand.self, VAEBenchmarkCommand.self, CheckSafetyCommand.self, MigrateCommand.self, PurgePromptsCommand.self],
        defaultSubcommand: Run.self)

    static func main() async {
        // First, while this is the only thread: see configureAllocatorForLargeTensors.
        if !CommandLine.arguments.contains("--default-allocator") { configureAllocatorForLargeTensors() }
        await mainWithOneLineErrors()
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve LIENZO_MODEL: render queued jobs from PostgreSQL (DATABASE_URL) until SIGTERM or SIGINT.",
            discussion: "Settings (environment): LIENZO_MODEL, LIENZO_MAX_BATCH, LIENZO_MAX_BATCH_PIXELS, LIENZO_GATHER_WINDOW, LIENZO_RENDER_LEASE, LIENZO_PROGRESS_INTERVAL, LIENZO_SHUTDOWN_GRACE, LIENZO_RETRY_BASE, LIENZO_RESCUE_INTERVAL (10 s), LIENZO_METRICS_PORT (9464; 0 turns /metrics off), LIENZO_THREADS, LIENZO_PRECISION (bfloat16 where the CPU has AVX512-BF16, else float32), LIENZO_WINOGRAD (1: 3×3 convolutions with at most 640 outputs as Winograd F(2×2, 3×3); 0: as plain GEMMs), LIENZO_MODEL_CONFIG (a diffusers folder describing a single-file model), LIENZO_VAE (a VAE to decode with instead of the model's own: AutoencoderKL folder or file, or TAESD), LIENZO_LORA_DIR (LoRA .safetensors files that prompts name with <lora:NAME:WEIGHT>), LIENZO_LCM_LORA (a LoRA of that folder every job gets, e.g. an LCM-LoRA), LIENZO_DECODER (auto, full or taesd), LIENZO_PROFILE (standard, turbo, lcm or lcm-lora: the defaults published for Ingest instead of those the model calls for).")

        func run() async throws {
            let context = try StageContext(stage: "Renderer")
            guard let modelPath = context.environment["LIENZO_MODEL"] else {
                throw ConfigurationError("LIENZO_MODEL is not set: the Renderer needs a model (a diffusers folder or a .safetensors file)")
            }
            let configuration = try RenderConfiguration(environment: context.environment)
            let metricsPort = try context.environment.int("LIENZO_METRICS_PORT", default: 9464, in: 0...65535)
            let threads = try context.environment.int("LIENZO_THREADS", default: 0, in: 0...256)
            if threads > 0 { setThreadCount(threads) }

            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(DescribedMetricsFactory(registry: registry, describing: RenderMetrics.descriptions))

            let precision = configuration.precision
            context.logger.info("loading model", metadata: ["lienzo_model": "\(modelPath)", "precision": "\(precision.rawValue)"])
            var profileOverride: RenderProfile.Kind?
            if let name = context.environment["LIENZO_PROFILE"] {
                guard let kind = RenderProfile.Kind(rawValue: name) else {
                    throw ConfigurationError("LIENZO_PROFILE must be one of \(RenderProfile.Kind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(name)'")
                }
                profileOverride = kind
            }
            var vaeTiling = VAETiling.auto
            if let mode = context.environment["LIENZO_VAE_TILING"] {
                guard let parsed = VAETiling(rawValue: mode) else {
                    throw ConfigurationError("LIENZO_VAE_TILING must be auto, on or off, not '\(mode)'")
                }
                vaeTiling = parsed
            }
            let files = DiffusionRenderEngine.Files(
                modelConfig: context.environment["LIENZO_MODEL_CONFIG"], vae: context.environment["LIENZO_VAE"],
                loraFolder: context.environment["LIENZO_LORA_DIR"], lcmLora: context.environment["LIENZO_LCM_LORA"],
                decoder: context.environment["LIENZO_DECODER"], profile: profileOverride, vaeTiling: vaeTiling,
                safetyChecker: context.environment["LIENZO_SAFETY_CHECKER"])
            let engine = try await BlockingExecutor(name: "load").run {
                try DiffusionRenderEngine(model: modelPath, precision: precision, files: files)
            }
            if engine.safetyChecker == nil {
                // An operator who asked for a policy must not get unchecked images by mistake.
                if let policy = context.environment["LIENZO_NSFW_POLICY"], policy != NSFWPolicy.allow.rawValue {
                    throw ConfigurationError(
                        "LIENZO_NSFW_POLICY=\(policy) needs a safety checker: a safety_checker/ folder in the model folder, or LIENZO_SAFETY_CHECKER")
                }
                context.logger.warning("no safety checker: images are not checked (add safety_checker/ to the model folder or set LIENZO_SAFETY_CHECKER)")
            } else {
                context.logger.info("images are checked", metadata: ["lienzo_nsfw_policy": "\(configuration.nsfwPolicy.rawValue)"])
            }
            let connection = try await context.connectAndMigrate()
            try await LoraPublisher(engine: engine, queue: JobQueue(connection), logger: context.logger).publish()
            try await JobQueue(connection).publishProfile(model: engine.model, engine.profile)
            context.logger.info("profile published", metadata: ["lienzo_profile": "\(engine.profile)"])
            var services: [any Service] = [
                RenderService(engine: RendererCommand.servedEngine(engine, context.environment), queue: JobQueue(connection),
                              listener: try await context.connect(), configuration: configuration, logger: context.logger),
                LeaseRescuerService(queue: JobQueue(try await context.connect()),
                                    interval: try context.environment.interval("LIENZO_RESCUE_INTERVAL", default: 10), logger: context.logger),
            ]
            if metricsPort > 0 {
                services.append(MetricsEndpoint(port: UInt16(metricsPort), logger: context.logger) { registry.emitToString() })
            }
            try await context.run(services)
        }
    }

    /// The engine the Renderer serves: `engine`, wrapped to fail on a marked prompt when
    /// the test-only `LIENZO_TEST_FAIL_PROMPT` is set (the chaos suite's poisoned job).
    static func servedEngine(_ engine: DiffusionRenderEngine, _ environment: Environment) -> any RenderEngine {
        guard let marker = environment["LIENZO_TEST_FAIL_PROMPT"], !marker.isEmpty else { return engine }
        return InjectedFailureEngine(engine, marker: marker)
    }
}
