import CKernels

/// LayerNorm over the last dimension: x is (rows, dim), weight/bias are (dim). Returns a new
/// buffer. With AVX-512 the C kernel runs the rows; this Swift loop is the fallback.
func layerNorm(
    _ x: [Float], rows: Int, dim: Int, weight: [Float], bias: [Float], eps: Float, vectorized: Bool = avx512IsSupported
) -> [Float] {
    var y = uninitializedFloats(rows * dim)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            guard let xb = xp.baseAddress, let ybase = yp.baseAddress else { return }
            let output = SendablePointer(p: ybase)
            // rows split across the cores (the transformer blocks' 4096-token sequences)
            parallelChunks(rows, work: rows * dim * 4) { range in
              let yb = output.p
              if vectorized {
                  weight.withUnsafeBufferPointer { w in
                      bias.withUnsafeBufferPointer { b in
                          lz_layer_norm_rows(
                              xb + range.lowerBound * dim, Int32(range.count), Int32(dim), w.baseAddress, b.baseAddress, eps,
                              yb + range.lowerBound * dim)
                      }
                  }
                  return
              }
              for r in range {
                let row = xb + r * dim
                var sum: Double = 0
                for i in 0..<dim { sum += Double(row[i]) }
                let mean = sum / Double(dim)
                var sq: Double = 0
                for i in 0..<dim {
                    let d = Double(row[i]) - mean
                    sq += d * d
                }
                let inv = Float(1 / (sq / Double(dim) + Double(eps)).squareRoot())
                let m = Float(mean)
                let out = yb + r * dim
                for i in 0..<dim { out[i] = (row[i] - m) * inv * weight[i] + bias[i] }
              }
            }
        }
    }
    return y
}

/// Naive reference for `layerNorm` (tests only).
func layerNormReference(_ x: [Float], rows: Int, dim: Int, weight: [Float], bias: [Float], eps: Float) -> [Float] {
    var y = x
    for r in 0..<rows {
        let row = x[(r * dim)..<((r + 1) * dim)].map(Double.init)
        let mean = row.reduce(0, +) / Double(dim)
        let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dim)
        for i in 0..<dim {
            y[r * dim + i] = Float((row[i] - mean) / (variance + Double(eps)).squareRoot() * Double(weight[i]) + Double(bias[i]))
        }
    }
    return y
}
