import Foundation

/// Matches diffusers `Timesteps` + `get_timestep_embedding` (src/diffusers/models/embeddings.py):
/// sinusoidal features of (possibly fractional) timesteps, computed in float32 as torch does.
/// Returns (N, dim); with `flipSinToCos` the cos half comes first.
func timestepEmbedding(_ timesteps: [Float], dim: Int, flipSinToCos: Bool, downscaleFreqShift: Float, maxPeriod: Float = 10000) -> [Float] {
    let half = dim / 2
    var out = [Float](repeating: 0, count: timesteps.count * dim)
    let logMax = Float(Foundation.log(Double(maxPeriod)))
    let freqs = (0..<half).map { i -> Float in expf(-logMax * Float(i) / (Float(half) - downscaleFreqShift)) }
    for (n, t) in timesteps.enumerated() {
        for i in 0..<half {
            let arg = t * freqs[i]
            let (first, second) = flipSinToCos ? (cosf(arg), sinf(arg)) : (sinf(arg), cosf(arg))
            out[n * dim + i] = first
            out[n * dim + half + i] = second
        }
    }
    return out
}

/// Matches diffusers `TimestepEmbedding`: (+ cond_proj(condition)) → linear_1 → SiLU → linear_2.
/// `cond_proj` exists in LCM-distilled U-Nets (`time_cond_proj_dim`), which take the
/// guidance scale as an embedding instead of classifier-free guidance.
struct TimestepEmbedding: Sendable {
    let condProj: Linear?
    let linear1: Linear
    let linear2: Linear

    init(_ store: WeightStore, _ prefix: String, inChannels: Int, timeEmbedDim: Int, condProjDim: Int? = nil) throws {
        condProj = try condProjDim.map { try Linear(store, prefix + ".cond_proj", $0, inChannels, bias: false) }
        linear1 = try Linear(store, prefix + ".linear_1", inChannels, timeEmbedDim)
        linear2 = try Linear(store, prefix + ".linear_2", timeEmbedDim, timeEmbedDim)
    }

    /// x is (N, inChannels); condition (N, condProjDim) or nil.
    func callAsFunction(_ x: [Float], condition: [Float]? = nil) -> [Float] {
        var sample = x
        if let condProj, let condition {
            // sample = sample + self.cond_proj(condition)
            addInPlace(&sample, condProj(condition))
        }
        var h = linear1(sample)
        siluInPlace(&h)
        return linear2(h)
    }
}

/// Matches diffusers' `get_guidance_scale_embedding` (LatentConsistencyModelPipeline): the
/// sinusoidal embedding of w · 1000, sin half first, in float32. Returns (N, dim).
func guidanceScaleEmbedding(_ w: [Float], dim: Int) -> [Float] {
    let half = dim / 2
    // emb = torch.log(torch.tensor(10000.0)) / (half_dim - 1); emb = torch.exp(torch.arange(half_dim) * -emb)
    let step = logf(10000) / Float(half - 1)
    let freqs = (0..<half).map { expf(Float($0) * -step) }
    var out = [Float](repeating: 0, count: w.count * dim)  // an odd dim keeps its zero pad
    for (n, scale) in w.enumerated() {
        for i in 0..<half {
            let arg = scale * 1000 * freqs[i]
            out[n * dim + i] = sinf(arg)
            out[n * dim + half + i] = cosf(arg)
        }
    }
    return out
}
