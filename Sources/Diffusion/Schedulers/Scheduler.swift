import Foundation

/// One denoising rule (PNDM, DDIM, Euler, …) over a fixed list of timesteps.
/// All arithmetic is elementwise with per-step scalars, so a batch of images steps exactly
/// as each image would alone; ancestral samplers take their noise from the caller, drawn
/// per image from that image's generator.
public protocol Scheduler: Sendable {
    /// Timesteps passed to the U-Net, one per model call (fractional for Euler/LMS).
    var timesteps: [Float] { get }
    /// The initial noise is multiplied by this.
    var initNoiseSigma: Float { get }
    /// Whether `step` consumes fresh noise (ancestral samplers, LCM).
    var needsNoise: Bool { get }
    /// Whether the step at call `index` consumes noise (LCM draws none after its last step).
    func needsNoise(at index: Int) -> Bool
    /// Scales the U-Net input at model call `index` (σ-scaled samplers divide by √(σ²+1)).
    func scaleModelInput(_ sample: [Float], index: Int) -> [Float]
    /// One update from the guided model output at call `index`; returns the next sample.
    mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float]
}

extension Scheduler {
    public func needsNoise(at index: Int) -> Bool { needsNoise }

    /// How many noise draws a run takes: the first dimension of `--step-noise`.
    public var noiseDraws: Int { timesteps.indices.filter(needsNoise(at:)).count }
}

public enum PredictionType: String, Sendable { case epsilon, vPrediction = "v_prediction" }
public enum TimestepSpacing: String, Sendable { case leading, linspace, trailing }
public enum BetaSchedule: String, Sendable { case linear, scaledLinear = "scaled_linear" }

/// The fields of a diffusers scheduler_config.json the samplers share. Keys absent from the
/// file take the chosen class's own default, exactly as `Cls.from_config(config)` does.
public struct SchedulerConfig: Sendable, Equatable {
    public var trainStepCount = 1000
    public var betaStart: Double = 0.00085
    public var betaEnd: Double = 0.012
    public var betaSchedule = BetaSchedule.scaledLinear
    public var predictionType = PredictionType.epsilon
    /// nil: the sampler's class default (leading for PNDM/DDIM, linspace for the others).
    public var timestepSpacing: TimestepSpacing?
    public var stepsOffset = 0
    public var setAlphaToOne: Bool?
    public var clipSample: Bool?
    /// `use_karras_sigmas` when the file sets it (Euler and DPM++ honour it, as from_config would).
    public var useKarrasSigmas = false
    /// The sampler the model ships with (`_class_name`), used when none is asked for.
    public var defaultSampler = Sampler.pndm
    /// LCM: the schedule the model was distilled on, which its few steps are picked from.
    public var originalInferenceSteps = 50
    /// LCM: scales the timestep in the boundary condition's c_skip / c_out.
    public var timestepScaling: Double = 10

    public init() {}

    /// SD 1.5's shipped scheduler_config.json (PNDM), the default for single-file checkpoints.
    public static let stableDiffusion1: SchedulerConfig = {
        var c = SchedulerConfig()
        c.stepsOffset = 1
        c.setAlphaToOne = false
        c.clipSample = false
        return c
    }()

    /// SD 2.x (768-v) shipped config: DDIM with v-prediction.
    public static let stableDiffusion2: SchedulerConfig = {
        var c = stableDiffusion1
        c.predictionType = .vPrediction
        c.defaultSampler = .ddim
        return c
    }()

    init(json: JSONConfig) throws {
        trainStepCount = json.int("num_train_timesteps", 1000)
        betaStart = json.double("beta_start", 0.0001)
        betaEnd = json.double("beta_end", 0.02)
        let schedule = json.string("beta_schedule", "linear")
        guard let b = BetaSchedule(rawValue: schedule) else { throw DiffusionError.invalidConfig(path: json.path, reason: "beta_schedule \(schedule) not supported") }
        betaSchedule = b
        let pred = json.string("prediction_type", "epsilon")
        guard let p = PredictionType(rawValue: pred) else { throw DiffusionError.invalidConfig(path: json.path, reason: "prediction_type \(pred) not supported") }
        predictionType = p
        if json.has("timestep_spacing") {
            let s = json.string("timestep_spacing", "")
            guard let t = TimestepSpacing(rawValue: s) else { throw DiffusionError.invalidConfig(path: json.path, reason: "timestep_spacing \(s) not supported") }
            timestepSpacing = t
        }
        for unsupported in ["rescale_betas_zero_snr", "thresholding"] where json.bool(unsupported, false) {
            throw DiffusionError.invalidConfig(path: json.path, reason: "\(unsupported) is not supported")
        }
        stepsOffset = json.int("steps_offset", 0)
        if json.has("set_alpha_to_one") { setAlphaToOne = json.bool("set_alpha_to_one", true) }
        if json.has("clip_sample") { clipSample = json.bool("clip_sample", true) }
        useKarrasSigmas = json.bool("use_karras_sigmas", false)
        originalInferenceSteps = json.int("original_inference_steps", 50)
        timestepScaling = json.double("timestep_scaling", 10)
        guard originalInferenceSteps >= 1, originalInferenceSteps <= trainStepCount else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "original_inference_steps must be 1 to num_train_timesteps")
        }
        let className = json.string("_class_name", "PNDMScheduler")
        guard let sampler = Sampler(diffusersClassName: className, karras: useKarrasSigmas) else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "scheduler \(className) is not supported")
        }
        defaultSampler = sampler
    }

    /// torch.linspace(start, end, n, dtype=float32): float step, filled from both ends.
    static func torchLinspace(_ start: Float, _ end: Float, _ n: Int) -> [Float] {
        guard n > 1 else { return [start] }
        let step = (end - start) / Float(n - 1)
        let half = n / 2
        return (0..<n).map { i in i < half ? start + step * Float(i) : end - step * Float(n - i - 1) }
    }

    /// alphas_cumprod in float32 (torch's cumprod accumulates in double on the CPU).
    var alphasCumProd: [Float] {
        let betas: [Float]
        switch betaSchedule {
        case .linear: betas = Self.torchLinspace(Float(betaStart), Float(betaEnd), trainStepCount)
        case .scaledLinear: betas = Self.torchLinspace(Float(betaStart.squareRoot()), Float(betaEnd.squareRoot()), trainStepCount).map { $0 * $0 }
        }
        var acc: Double = 1
        return betas.map { b in
            acc *= Double(1 - b)
            return Float(acc)
        }
    }

    /// ᾱ "before" the first training step (final_alpha_cumprod): 1 with set_alpha_to_one
    /// (the DDIM/PNDM/LCM class default), else ᾱ₀.
    func finalAlphaCumProd(_ alphasCumProd: [Float]) -> Float { (setAlphaToOne ?? true) ? 1 : alphasCumProd[0] }

    /// σ(t) = √((1 − ᾱ)/ᾱ) for every training timestep, float32 as torch computes it.
    var trainSigmas: [Float] { alphasCumProd.map { ((1 - $0) / $0).squareRoot() } }

    /// Integer-valued timesteps for `steps` inference steps under `spacing`, as the
    /// discrete schedulers (DDIM, PNDM, Euler) compute them, largest first.
    func spacedTimesteps(_ steps: Int, spacing: TimestepSpacing) -> [Double] {
        let T = trainStepCount
        switch spacing {
        case .linspace:
            return numpyLinspace(0, Double(T - 1), steps).reversed().map { $0.rounded(.toNearestOrEven) }
        case .leading:
            let ratio = T / steps
            return (0..<steps).reversed().map { Double($0 * ratio + stepsOffset) }
        case .trailing:
            let ratio = Double(T) / Double(steps)
            return numpyArange(Double(T), 0, -ratio).map { $0.rounded(.toNearestOrEven) - 1 }
        }
    }
}

/// np.linspace(a, b, n) in double.
func numpyLinspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
    guard n > 1 else { return [a] }
    let step = (b - a) / Double(n - 1)
    var out = (0..<n).map { a + Double($0) * step }
    out[n - 1] = b
    return out
}

/// np.arange(start, stop, step) in double.
func numpyArange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
    let n = Int(((stop - start) / step).rounded(.up))
    return (0..<max(n, 0)).map { start + Double($0) * step }
}

/// np.interp(x, arange(len(fp)), fp).
func interpolate(_ x: Double, _ fp: [Float]) -> Double {
    if x <= 0 { return Double(fp[0]) }
    if x >= Double(fp.count - 1) { return Double(fp[fp.count - 1]) }
    let i = Int(x.rounded(.down))
    let f = x - Double(i)
    return Double(fp[i]) + f * (Double(fp[i + 1]) - Double(fp[i]))
}

/// Karras et al. (2022) σ schedule between the ends of `sigmas` (ρ = 7), as diffusers' `_convert_to_karras`.
func karrasSigmas(sigmaMin: Double, sigmaMax: Double, steps: Int) -> [Double] {
    let rho = 7.0
    let ramp = numpyLinspace(0, 1, steps)
    let minInv = pow(sigmaMin, 1 / rho)
    let maxInv = pow(sigmaMax, 1 / rho)
    return ramp.map { pow(maxInv + $0 * (minInv - maxInv), rho) }
}

/// diffusers' `_sigma_to_t`: the fractional training timestep whose log σ interpolates to `sigma`.
func sigmaToT(_ sigma: Double, logSigmas: [Double]) -> Double {
    let logSigma = Foundation.log(max(sigma, 1e-10))
    // low_idx = last index with log_sigma >= log_sigmas[i], clipped to len-2
    var low = 0
    for (i, ls) in logSigmas.enumerated() where logSigma - ls >= 0 { low = i }
    low = min(low, logSigmas.count - 2)
    let lo = logSigmas[low]
    let hi = logSigmas[low + 1]
    var w = (lo - logSigma) / (lo - hi)
    w = min(max(w, 0), 1)
    return (1 - w) * Double(low) + w * Double(low + 1)
}

/// out = Σ cᵢ · xᵢ, elementwise (the sampler updates).
func weightedSum(_ terms: [(Float, [Float])]) -> [Float] {
    guard let first = terms.first else { return [] }
    var out = [Float](repeating: 0, count: first.1.count)
    out.withUnsafeMutableBufferPointer { o in
        for (c, x) in terms {
            x.withUnsafeBufferPointer { xp in
                guard let ob = o.baseAddress, let xb = xp.baseAddress else { return }
                axpy(count: x.count, alpha: c, x: xb, y: ob)
            }
        }
    }
    return out
}
