/// Matches diffusers `EulerDiscreteScheduler` with s_churn = 0 (no noise), linear σ
/// interpolation, final σ = 0; optional Karras σ. Model calls get fractional timesteps.
public struct EulerDiscreteScheduler: Scheduler {
    let schedule: SigmaSchedule
    let prediction: PredictionType
    public var timesteps: [Float] { schedule.timesteps }
    public var initNoiseSigma: Float { schedule.initNoiseSigma }
    public let needsNoise = false

    public init(config: SchedulerConfig, steps: Int, karras: Bool = false) {
        schedule = SigmaSchedule(config: config, steps: steps, karras: karras)
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: [Float], index: Int) -> [Float] { schedule.scale(sample, index: index) }

    public mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float] {
        let sigma = schedule.sigmas[index]
        let x0 = SigmaSchedule.predictedOriginal(modelOutput, sample: sample, sigma: sigma, prediction: prediction)
        // derivative = (sample - pred_original_sample) / sigma_hat; dt = sigmas[i+1] - sigma_hat
        let derivative = weightedSum([(1 / sigma, sample), (-1 / sigma, x0)])
        let dt = schedule.sigmas[index + 1] - sigma
        // prev_sample = sample + derivative * dt
        return weightedSum([(1, sample), (dt, derivative)])
    }
}
