import Foundation

/// The σ list shared by the Euler, Euler ancestral and LMS samplers (diffusers'
/// `EulerDiscreteScheduler.set_timesteps` with interpolation_type "linear"): timesteps by
/// spacing, σ interpolated from the training table in double, a final σ = 0; or Karras σ
/// with timesteps mapped back through `sigmaToT`.
struct SigmaSchedule: Sendable {
    let timesteps: [Float]
    let sigmas: [Float]
    let initNoiseSigma: Float

    init(config: SchedulerConfig, steps: Int, karras: Bool = false) {
        let spacing = config.timestepSpacing ?? .linspace
        var ts: [Double]
        switch spacing {
        case .linspace:
            // np.linspace(0, T-1, n, dtype=float32)[::-1]
            ts = numpyLinspace(0, Double(config.trainStepCount - 1), steps).reversed().map { Double(Float($0)) }
        default: ts = config.spacedTimesteps(steps, spacing: spacing)
        }
        let table = config.trainSigmas
        var s = ts.map { interpolate($0, table) }
        if karras, let lo = s.last, let hi = s.first {
            let logs = table.map { Foundation.log(Double($0)) }
            s = karrasSigmas(sigmaMin: lo, sigmaMax: hi, steps: steps)
            ts = s.map { sigmaToT($0, logSigmas: logs) }
        }
        timesteps = ts.map { Float($0) }
        sigmas = s.map { Float($0) } + [0]
        let maxSigma = sigmas.max() ?? 0
        initNoiseSigma = (spacing == .linspace || spacing == .trailing) ? maxSigma : (maxSigma * maxSigma + 1).squareRoot()
    }

    /// sample / √(σ² + 1)
    func scale(_ sample: [Float], index: Int) -> [Float] {
        let s = sigmas[index]
        let k = 1 / (s * s + 1).squareRoot()
        return sample.map { $0 * k }
    }

    /// x₀ from the model output at σ (epsilon or v-prediction).
    static func predictedOriginal(_ out: [Float], sample: [Float], sigma: Float, prediction: PredictionType) -> [Float] {
        switch prediction {
        case .epsilon:
            // pred_original_sample = sample - sigma_hat * model_output
            return weightedSum([(1, sample), (-sigma, out)])
        case .vPrediction:
            // model_output * (-sigma / (sigma**2 + 1) ** 0.5) + (sample / (sigma**2 + 1))
            return weightedSum([(-sigma / (sigma * sigma + 1).squareRoot(), out), (1 / (sigma * sigma + 1), sample)])
        }
    }
}
