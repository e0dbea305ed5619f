import Foundation

/// GroupNorm over x (N, C, HW) in place, with per-channel affine weight/bias (C), and an
/// optional fused SiLU (ResnetBlock2D and the output heads always follow the norm with one).
func groupNorm(
    _ x: inout [Float], n: Int, c: Int, hw: Int, groups: Int, eps: Float, weight: [Float], bias: [Float],
    silu fuseSiLU: Bool = false
) {
    let cpg = c / groups
    x.withUnsafeMutableBufferPointer { xp in
        guard let xb0 = xp.baseAddress else { return }
        let shared = SendablePointer(p: xb0)
        // one work item per (image, group): groups never share memory
        parallelFor(n * groups, work: n * c * hw) { item in
            let xb = shared.p
            let (b, g) = (item / groups, item % groups)
            do {
                let base = xb + (b * c + g * cpg) * hw
                let count = cpg * hw
                var sum: Double = 0
                for i in 0..<count { sum += Double(base[i]) }
                let mean = sum / Double(count)
                var sq: Double = 0
                for i in 0..<count {
                    let d = Double(base[i]) - mean
                    sq += d * d
                }
                let inv = Float(1 / (sq / Double(count) + Double(eps)).squareRoot())
                let m = Float(mean)
                for cc in 0..<cpg {
                    let ch = g * cpg + cc
                    let scale = weight[ch] * inv
                    let shift = bias[ch] - m * scale
                    let p = base + cc * hw
                    if fuseSiLU {
                        for i in 0..<hw {
                            let v = p[i] * scale + shift
                            p[i] = v / (1 + expf(-v))
                        }
                    } else {
                        for i in 0..<hw { p[i] = p[i] * scale + shift }
                    }
                }
            }
        }
    }
}

/// Naive reference for `groupNorm` (tests only).
func groupNormReference(_ x: [Float], n: Int, c: Int, hw: Int, groups: Int, eps: Float, weight: [Float], bias: [Float]) -> [Float] {
    var y = x
    let cpg = c / groups
    for b in 0..<n {
        for g in 0..<groups {
            var vals = [Double]()
            for cc in 0..<cpg { for i in 0..<hw { vals.append(Double(x[(b * c + g * cpg + cc) * hw + i])) } }
            let mean = vals.reduce(0, +) / Double(vals.count)
            let variance = vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(vals.count)
            for cc in 0..<cpg {
                let ch = g * cpg + cc
                for i in 0..<hw {
                    let idx = (b * c + ch) * hw + i
                    y[idx] = Float((Double(x[idx]) - mean) / (variance + Double(eps)).squareRoot() * Double(weight[ch]) + Double(bias[ch]))
                }
            }
        }
    }
    return y
}
