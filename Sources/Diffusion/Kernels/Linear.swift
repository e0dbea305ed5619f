/// y = x · Wᵀ + b. x is (rows, inFeatures), weight is (outFeatures, inFeatures) as in
/// torch.nn.Linear (a `.transposedRight` matrix), bias is (outFeatures) or empty; y is
/// (rows, outFeatures).
func linear(_ x: [Float], rows: Int, weight: WeightMatrix, bias: [Float]) -> [Float] {
    let (inFeatures, outFeatures) = (weight.columns, weight.rows)
    var y = uninitializedFloats(rows * outFeatures)  // the GEMM writes every entry, bias included
    if rows == 0 { return y }
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return }
            multiply(xb, lda: inFeatures, m: rows, transposed: weight, into: yb, ldc: outFeatures, accumulate: false, bias: bias)
        }
    }
    return y
}

/// Naive reference for `linear` (tests only).
func linearReference(_ x: [Float], rows: Int, weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int) -> [Float] {
    var y = [Float](repeating: 0, count: rows * outFeatures)
    for r in 0..<rows {
        for o in 0..<outFeatures {
            var s: Double = bias.isEmpty ? 0 : Double(bias[o])
            for i in 0..<inFeatures { s += Double(x[r * inFeatures + i]) * Double(weight[o * inFeatures + i]) }
            y[r * outFeatures + o] = Float(s)
        }
    }
    return y
}
