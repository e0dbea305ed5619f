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

/// Matches diffusers `TimestepEmbedding`: linear_1 → SiLU → linear_2.
struct TimestepEmbedding: Sendable {
    let linear1: Linear
    let linear2: Linear

    init(_ store: WeightStore, _ prefix: String, inChannels: Int, timeEmbedDim: Int) throws {
        linear1 = try Linear(store, prefix + ".linear_1", inChannels, timeEmbedDim)
        linear2 = try Linear(store, prefix + ".linear_2", timeEmbedDim, timeEmbedDim)
    }

    func callAsFunction(_ x: [Float]) -> [Float] {
        var h = linear1(x)
        siluInPlace(&h)
        return linear2(h)
    }
}
