import Foundation

/// Matches diffusers `DPMSolverMultistepScheduler` with algorithm_type "dpmsolver++",
/// solver_order 2, solver_type "midpoint", lower_order_final, final σ = 0: DPM++ 2M, and
/// with Karras σ, DPM++ 2M Karras. Model calls get integer timesteps.
/// Limitation: no SDE variants, no thresholding, no order 3.
public struct DPMSolverMultistepScheduler: Scheduler {
    public let timesteps: [Float]
    public let initNoiseSigma: Float = 1
    public let needsNoise = false
    let sigmas: [Float]
    let prediction: PredictionType
    var modelOutputs: [[Float]] = []
    var lowerOrderNums = 0

    public init(config: SchedulerConfig, steps: Int, karras: Bool = false) {
        let T = config.trainStepCount
        var ts: [Double]
        switch config.timestepSpacing ?? .linspace {
        case .linspace: ts = Array(numpyLinspace(0, Double(T - 1), steps + 1).map { $0.rounded(.toNearestOrEven) }.reversed().dropLast())
        case .leading:
            let ratio = T / (steps + 1)
            ts = Array((0...steps).reversed().map { Double($0 * ratio) }.dropLast()).map { $0 + Double(config.stepsOffset) }
        case .trailing: ts = numpyArange(Double(T), 0, -Double(T) / Double(steps)).map { $0.rounded(.toNearestOrEven) - 1 }
        }
        let table = config.trainSigmas
        var s: [Double]
        if karras {
            let logs = table.map { Foundation.log(Double($0)) }
            s = karrasSigmas(sigmaMin: Double(table[0]), sigmaMax: Double(table[table.count - 1]), steps: steps)
            ts = s.map { sigmaToT($0, logSigmas: logs).rounded(.toNearestOrEven) }
        } else {
            s = ts.map { interpolate($0, table) }
        }
        timesteps = ts.map { Float(Int($0)) }
        sigmas = s.map { Float($0) } + [0]
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: [Float], index: Int) -> [Float] { sample }

    /// α_t = 1/√(σ²+1), σ_t = σ·α_t.
    static func alphaSigma(_ sigma: Float) -> (Float, Float) {
        let a = 1 / (sigma * sigma + 1).squareRoot()
        return (a, sigma * a)
    }

    public mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float] {
        let n = timesteps.count
        // final_sigmas_type "zero" always ends with a first-order step; diffusers'
        // lower_order_second changes nothing when order 2 is the highest.
        let lowerOrderFinal = index == n - 1
        // convert_model_output: the data prediction x0
        let (alpha, sigmaT) = Self.alphaSigma(sigmas[index])
        let x0: [Float]
        switch prediction {
        case .epsilon: x0 = weightedSum([(1 / alpha, sample), (-sigmaT / alpha, modelOutput)])
        case .vPrediction: x0 = weightedSum([(alpha, sample), (-sigmaT, modelOutput)])
        }
        modelOutputs.append(x0)
        if modelOutputs.count > 2 { modelOutputs.removeFirst() }
        let prev: [Float]
        let (aT, sT) = Self.alphaSigma(sigmas[index + 1])
        let (aS0, sS0) = Self.alphaSigma(sigmas[index])
        let lambdaT = logf(aT) - logf(sT)
        let lambdaS0 = logf(aS0) - logf(sS0)
        let h = lambdaT - lambdaS0
        if lowerOrderNums < 1 || lowerOrderFinal {
            // x_t = (sigma_t / sigma_s) * sample - (alpha_t * (torch.exp(-h) - 1.0)) * model_output
            prev = weightedSum([(sT / sS0, sample), (-(aT * (expf(-h) - 1)), x0)])
        } else {
            let (aS1, sS1) = Self.alphaSigma(sigmas[index - 1])
            let lambdaS1 = logf(aS1) - logf(sS1)
            let h0 = lambdaS0 - lambdaS1
            let r0 = h0 / h
            let m0 = modelOutputs[modelOutputs.count - 1]
            let m1 = modelOutputs[modelOutputs.count - 2]
            // D1 = (1.0 / r0) * (m0 - m1)
            // x_t = (sigma_t / sigma_s0) * sample - (alpha_t * (exp(-h) - 1)) * D0 - 0.5 * (alpha_t * (exp(-h) - 1)) * D1
            let c = aT * (expf(-h) - 1)
            prev = weightedSum([(sT / sS0, sample), (-c, m0), (-0.5 * c / r0, m0), (0.5 * c / r0, m1)])
        }
        if lowerOrderNums < 2 { lowerOrderNums += 1 }
        return prev
    }
}
