/// The clean latents x₀ a model output implies, for live previews: what diffusers' schedulers
/// call `pred_original_sample`, computed the same way for every sampler from the U-Net's own
/// input. Every sampler feeds the U-Net √ᾱ·x₀ + √(1−ᾱ)·ε at its timestep (σ-space samplers
/// divide by √(σ²+1), which is exactly that), so
/// - epsilon: x₀ = (x − √(1−ᾱ)·ε) / √ᾱ
/// - v_prediction: x₀ = √ᾱ·x − √(1−ᾱ)·v
/// with ᾱ read off the training schedule at the (possibly fractional) timestep.
struct PredictedOriginalSample: Sendable {
    let alphasCumProd: [Float]
    let predictionType: PredictionType

    init(config: SchedulerConfig) {
        alphasCumProd = config.alphasCumProd
        predictionType = config.predictionType
    }

    func predict(modelInput x: [Float], modelOutput: [Float], timestep t: Float) -> [Float] {
        let alpha = Float(interpolate(Double(t), alphasCumProd))
        let (a, b) = (alpha.squareRoot(), (1 - alpha).squareRoot())
        switch predictionType {
        case .epsilon: return zip(x, modelOutput).map { ($0 - b * $1) / a }
        case .vPrediction: return zip(x, modelOutput).map { a * $0 - b * $1 }
        }
    }
}
