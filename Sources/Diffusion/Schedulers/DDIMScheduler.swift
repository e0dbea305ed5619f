/// Matches diffusers `DDIMScheduler` with eta = 0 (deterministic), epsilon or v-prediction,
/// optional clip_sample (range 1). Limitation: no thresholding, no eta > 0.
public struct DDIMScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let needsNoise = false
    let alphasCumProd: [Float]
    let finalAlphaCumProd: Float
    let stride: Int
    let prediction: PredictionType
    let clipSample: Bool

    public init(config: SchedulerConfig, steps: Int) {
        alphasCumProd = config.alphasCumProd
        finalAlphaCumProd = config.finalAlphaCumProd(alphasCumProd)
        stride = config.trainStepCount / steps
        prediction = config.predictionType
        clipSample = config.clipSample ?? true
        timesteps = config.spacedTimesteps(steps, spacing: config.timestepSpacing ?? .leading).map { Float($0) }
    }

    public func scaleModelInput(_ sample: [Float], index: Int) -> [Float] { sample }

    public mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float] {
        let t = Int(timesteps[index])
        let prev = t - stride
        let a = alphasCumProd[t]
        let aPrev = prev >= 0 ? alphasCumProd[prev] : finalAlphaCumProd
        let b = 1 - a
        var x0: [Float]
        var eps: [Float]
        switch prediction {
        case .epsilon:
            // pred_original_sample = (sample - beta_prod_t ** 0.5 * model_output) / alpha_prod_t ** 0.5
            x0 = weightedSum([(1 / a.squareRoot(), sample), (-b.squareRoot() / a.squareRoot(), modelOutput)])
            eps = modelOutput
        case .vPrediction:
            // pred_original_sample = alpha_prod_t**0.5 * sample - beta_prod_t**0.5 * model_output
            x0 = weightedSum([(a.squareRoot(), sample), (-b.squareRoot(), modelOutput)])
            // pred_epsilon = alpha_prod_t**0.5 * model_output + beta_prod_t**0.5 * sample
            eps = weightedSum([(a.squareRoot(), modelOutput), (b.squareRoot(), sample)])
        }
        if clipSample {
            x0 = x0.map { min(max($0, -1), 1) }
            // pred_epsilon is recomputed from the clipped x0, as diffusers does
            eps = weightedSum([(1 / b.squareRoot(), sample), (-a.squareRoot() / b.squareRoot(), x0)])
        }
        // prev_sample = alpha_prod_t_prev ** 0.5 * pred_original_sample + (1 - alpha_prod_t_prev) ** 0.5 * pred_epsilon
        return weightedSum([(aPrev.squareRoot(), x0), ((1 - aPrev).squareRoot(), eps)])
    }
}
