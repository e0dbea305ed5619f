/// Matches diffusers `LCMScheduler` (src/diffusers/schedulers/scheduling_lcm.py), the
/// few-step sampler of latent consistency models and LCM-LoRA: timesteps picked from the
/// `original_inference_steps` schedule the model was distilled on, each step's consistency
/// output c_out·x₀ + c_skip·x (boundary condition, `timestep_scaling`), and fresh noise
/// from the image's own generator between steps (none after the last).
/// Limitations: strength 1 (text to image), no thresholding, no custom timesteps.
public struct LCMScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let needsNoise = true
    let alphasCumProd: [Float]
    let finalAlphaCumProd: Float
    let prediction: PredictionType
    let clipSample: Bool
    let timestepScaling: Float

    /// `steps` must be at most `config.originalInferenceSteps` (diffusers refuses more).
    public init(config: SchedulerConfig, steps: Int) {
        alphasCumProd = config.alphasCumProd
        finalAlphaCumProd = config.finalAlphaCumProd(alphasCumProd)
        prediction = config.predictionType
        clipSample = config.clipSample ?? false
        timestepScaling = Float(config.timestepScaling)
        // k = num_train_timesteps // original_steps
        // lcm_origin_timesteps = np.asarray(list(range(1, int(original_steps * strength) + 1))) * k - 1
        let original = config.originalInferenceSteps
        let k = config.trainStepCount / original
        let origin = Array((1...original).map { $0 * k - 1 }.reversed())
        // inference_indices = np.floor(np.linspace(0, len(lcm_origin_timesteps), num=num_inference_steps, endpoint=False))
        timesteps = (0..<steps).map { i in Float(origin[Int((Double(i) * Double(origin.count) / Double(steps)).rounded(.down))]) }
    }

    public func scaleModelInput(_ sample: [Float], index: Int) -> [Float] { sample }

    /// No noise after the last step: the denoised sample is the result.
    public func needsNoise(at index: Int) -> Bool { index < timesteps.count - 1 }

    public mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float] {
        let t = Int(timesteps[index])
        let prev = index + 1 < timesteps.count ? Int(timesteps[index + 1]) : t
        let a = alphasCumProd[t]
        let aPrev = prev >= 0 ? alphasCumProd[prev] : finalAlphaCumProd
        let b = 1 - a
        // get_scalings_for_boundary_condition_discrete: sigma_data = 0.5
        let scaled = Float(t) * timestepScaling
        let cSkip = 0.25 / (scaled * scaled + 0.25)
        let cOut = scaled / (scaled * scaled + 0.25).squareRoot()
        var x0: [Float]
        switch prediction {
        case .epsilon:
            // predicted_original_sample = (sample - beta_prod_t.sqrt() * model_output) / alpha_prod_t.sqrt()
            x0 = weightedSum([(1 / a.squareRoot(), sample), (-b.squareRoot() / a.squareRoot(), modelOutput)])
        case .vPrediction:
            // predicted_original_sample = alpha_prod_t.sqrt() * sample - beta_prod_t.sqrt() * model_output
            x0 = weightedSum([(a.squareRoot(), sample), (-b.squareRoot(), modelOutput)])
        }
        if clipSample { x0 = x0.map { min(max($0, -1), 1) } }
        // denoised = c_out * predicted_original_sample + c_skip * sample
        let denoised = weightedSum([(cOut, x0), (cSkip, sample)])
        guard index < timesteps.count - 1, let noise else { return denoised }
        // prev_sample = alpha_prod_t_prev.sqrt() * denoised + beta_prod_t_prev.sqrt() * noise
        return weightedSum([(aPrev.squareRoot(), denoised), ((1 - aPrev).squareRoot(), noise)])
    }
}
