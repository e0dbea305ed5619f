/// Matches diffusers `PNDMScheduler` with skip_prk_steps=True (SD 1.5's default): linear
/// multistep (PLMS) updates; `steps` inference steps make steps + 1 model calls because
/// the second-to-last timestep repeats. Limitation: Runge-Kutta (prk) warm-up is not implemented.
public struct PNDMScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let needsNoise = false
    let alphasCumProd: [Float]
    let finalAlphaCumProd: Float
    let stride: Int
    let prediction: PredictionType
    var ets: [[Float]] = []
    var counter = 0
    var curSample: [Float] = []

    public init(config: SchedulerConfig, steps: Int) {
        let T = config.trainStepCount
        alphasCumProd = config.alphasCumProd
        finalAlphaCumProd = config.finalAlphaCumProd(alphasCumProd)
        stride = T / steps
        prediction = config.predictionType
        var asc: [Double]
        switch config.timestepSpacing ?? .leading {
        case .leading: asc = (0..<steps).map { Double($0 * (T / steps) + config.stepsOffset) }
        case .linspace: asc = numpyLinspace(0, Double(T - 1), steps).map { $0.rounded(.toNearestOrEven) }
        case .trailing: asc = numpyArange(Double(T), 0, -Double(T) / Double(steps)).map { $0.rounded(.toNearestOrEven) }.reversed().map { $0 - 1 }
        }
        // plms: _timesteps[:-1], _timesteps[-2:-1], _timesteps[-1:], reversed
        var plms = Array(asc.dropLast())
        if asc.count >= 2 { plms.append(asc[asc.count - 2]) }
        if let last = asc.last { plms.append(last) }
        timesteps = plms.reversed().map { Float($0) }
    }

    public func scaleModelInput(_ sample: [Float], index: Int) -> [Float] { sample }

    public mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float] {
        var t = Int(timesteps[index])
        var prev = t - stride
        var output = modelOutput
        var x = sample
        if counter != 1 {
            ets = Array(ets.suffix(3))
            ets.append(modelOutput)
        } else {
            prev = t
            t += stride
        }
        let e = ets
        if e.count == 1 && counter == 0 {
            curSample = sample
        } else if e.count == 1 && counter == 1 {
            // model_output = (model_output + self.ets[-1]) / 2; sample = self.cur_sample
            output = weightedSum([(0.5, modelOutput), (0.5, e[0])])
            x = curSample
            curSample = []
        } else if e.count == 2 {
            // (3 * ets[-1] - ets[-2]) / 2
            output = weightedSum([(1.5, e[1]), (-0.5, e[0])])
        } else if e.count == 3 {
            // (23 * ets[-1] - 16 * ets[-2] + 5 * ets[-3]) / 12
            output = weightedSum([(23.0 / 12, e[2]), (-16.0 / 12, e[1]), (5.0 / 12, e[0])])
        } else {
            // (1 / 24) * (55 * ets[-1] - 59 * ets[-2] + 37 * ets[-3] - 9 * ets[-4])
            let n = e.count
            output = weightedSum([(55.0 / 24, e[n - 1]), (-59.0 / 24, e[n - 2]), (37.0 / 24, e[n - 3]), (-9.0 / 24, e[n - 4])])
        }
        counter += 1
        return previousSample(x, t: t, prev: prev, output: output)
    }

    /// PNDM's `_get_prev_sample` (formula (9) of the PNDM paper).
    func previousSample(_ sample: [Float], t: Int, prev: Int, output: [Float]) -> [Float] {
        let a = alphasCumProd[t]
        let aPrev = prev >= 0 ? alphasCumProd[prev] : finalAlphaCumProd
        let b = 1 - a
        let bPrev = 1 - aPrev
        var eps = output
        if prediction == .vPrediction {
            // model_output = alpha_prod_t**0.5 * model_output + beta_prod_t**0.5 * sample
            eps = weightedSum([(a.squareRoot(), output), (b.squareRoot(), sample)])
        }
        let sampleCoeff = (aPrev / a).squareRoot()
        let denom = a * bPrev.squareRoot() + (a * b * aPrev).squareRoot()
        // prev_sample = sample_coeff * sample - (alpha_prod_t_prev - alpha_prod_t) * model_output / denom
        return weightedSum([(sampleCoeff, sample), (-(aPrev - a) / denom, eps)])
    }
}
