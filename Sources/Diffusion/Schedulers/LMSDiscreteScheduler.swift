/// Matches diffusers `LMSDiscreteScheduler` (order 4): linear multistep over the stored
/// derivatives with coefficients ∫ of the Lagrange basis between consecutive σ
/// (diffusers integrates with scipy's quad; the integrand is a polynomial of degree ≤ 3,
/// which 4-point Gauss-Legendre integrates exactly).
public struct LMSDiscreteScheduler: Scheduler {
    let schedule: SigmaSchedule
    let prediction: PredictionType
    let order = 4
    var derivatives: [[Float]] = []
    public var timesteps: [Float] { schedule.timesteps }
    public var initNoiseSigma: Float { schedule.initNoiseSigma }
    public let needsNoise = false

    public init(config: SchedulerConfig, steps: Int) {
        schedule = SigmaSchedule(config: config, steps: steps)
        prediction = config.predictionType
    }

    public func scaleModelInput(_ sample: [Float], index: Int) -> [Float] { schedule.scale(sample, index: index) }

    func coefficient(order: Int, t: Int, current: Int) -> Double {
        let s = schedule.sigmas.map(Double.init)
        func basis(_ tau: Double) -> Double {
            var prod = 1.0
            for k in 0..<order where k != current { prod *= (tau - s[t - k]) / (s[t - current] - s[t - k]) }
            return prod
        }
        let nodes = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526]
        let weights = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538]
        let (a, b) = (s[t], s[t + 1])
        var sum = 0.0
        for (x, w) in zip(nodes, weights) { sum += w * basis((b - a) / 2 * x + (a + b) / 2) }
        return sum * (b - a) / 2
    }

    public mutating func step(_ modelOutput: [Float], index: Int, sample: [Float], noise: [Float]?) -> [Float] {
        let sigma = schedule.sigmas[index]
        let x0 = SigmaSchedule.predictedOriginal(modelOutput, sample: sample, sigma: sigma, prediction: prediction)
        derivatives.append(weightedSum([(1 / sigma, sample), (-1 / sigma, x0)]))
        if derivatives.count > order { derivatives.removeFirst() }
        let o = min(index + 1, order)
        // prev_sample = sample + sum(coeff * derivative for coeff, derivative in zip(lms_coeffs, reversed(self.derivatives)))
        var terms: [(Float, [Float])] = [(1, sample)]
        for (k, d) in derivatives.reversed().enumerated() where k < o {
            terms.append((Float(coefficient(order: o, t: index, current: k)), d))
        }
        return weightedSum(terms)
    }
}
