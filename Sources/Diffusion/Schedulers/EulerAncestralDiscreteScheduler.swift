/// Matches diffusers `EulerAncestralDiscreteScheduler`: an Euler step to σ_down plus fresh
/// noise scaled by σ_up. The noise comes from the caller (per image, from its generator).
public struct EulerAncestralDiscreteScheduler: Scheduler {
    let schedule: SigmaSchedule
    let prediction: PredictionType
    public var timesteps: [Float] { schedule.timesteps }
    public var initNoiseSigma: Float { schedule.initNoiseSigma }
    public let needsNoise = true

    public init(config: SchedulerConfig, steps: Int) {
        schedule = SigmaSchedule(config: config, steps: steps)
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: [Float], index: Int) -> [Float] { schedule.scale(sample, index: index) }

    public mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float] {
        let sigmaFrom = schedule.sigmas[index]
        let sigmaTo = schedule.sigmas[index + 1]
        let x0 = SigmaSchedule.predictedOriginal(modelOutput, sample: sample, sigma: sigmaFrom, prediction: prediction)
        // sigma_up = (sigma_to**2 * (sigma_from**2 - sigma_to**2) / sigma_from**2) ** 0.5
        let sigmaUp = (sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom)).squareRoot()
        // sigma_down = (sigma_to**2 - sigma_up**2) ** 0.5
        let sigmaDown = (sigmaTo * sigmaTo - sigmaUp * sigmaUp).squareRoot()
        let derivative = weightedSum([(1 / sigmaFrom, sample), (-1 / sigmaFrom, x0)])
        // prev_sample = sample + derivative * dt; prev_sample = prev_sample + noise * sigma_up
        var prev = weightedSum([(1, sample), (sigmaDown - sigmaFrom, derivative)])
        if let noise { prev = weightedSum([(1, prev), (sigmaUp, noise)]) }
        return prev
    }
}
