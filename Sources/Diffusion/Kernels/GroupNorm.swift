import CKernels
import Foundation

/// GroupNorm over x (N, C, HW) in place, with per-channel affine weight/bias (C), and an
/// optional fused SiLU (ResnetBlock2D and the output heads always follow the norm with one).
/// With AVX-512 each group runs in the C kernel; this Swift loop is the fallback.
func groupNorm(
    _ x: inout [Float], n: Int, c: Int, hw: Int, groups: Int, eps: Float, weight: [Float], bias: [Float],
    silu fuseSiLU: Bool = false, vectorized: Bool = avx512IsSupported
) {
    let cpg = c / groups
    x.withUnsafeMutableBufferPointer { xp in
        guard let xb0 = xp.baseAddress else { return }
        let shared = SendablePointer(p: xb0)
        // one work item per (image, group): groups never share memory
        parallelFor(n * groups, work: n * c * hw) { item in
            let xb = shared.p
            let (b, g) = (item / groups, item % groups)
            if vectorized {
                weight.withUnsafeBufferPointer { w in
                    bias.withUnsafeBufferPointer { bi in
                        lz_group_norm_group(
                            xb + (b * c + g * cpg) * hw, Int32(cpg), hw, w.baseAddress! + g * cpg, bi.baseAddress! + g * cpg,
                            eps, fuseSiLU ? 1 : 0)
                    }
                }
                return
            }
            do {
                let base = xb + (b * c + g * cpg) * hw
                let count = cpg * hw
                let mean = chunkedSum(base, count) / Double(count)
                let variance = chunkedSquares(base, count, mean: Float(mean)) / Double(count)
                let inv = Float(1 / (variance + Double(eps)).squareRoot())
                let m = Float(mean)
                for cc in 0..<cpg {
                    let ch = g * cpg + cc
                    let scale = weight[ch] * inv
                    let shift = bias[ch] - m * scale
                    let p = base + cc * hw
                    // call-free loops, so both vectorise
                    if fuseSiLU {
                        for i in 0..<hw {
                            let v = p[i] * scale + shift
                            p[i] = v / (1 + fastExp(-v))
                        }
                    } else {
                        for i in 0..<hw { p[i] = p[i] * scale + shift }
                    }
                }
            }
        }
    }
}

/// Σ x in chunks of 1024 summed on SIMD lanes in Float, chunks added in Double: as
/// accurate as a Double loop for these sizes, but vectorised.
@inline(__always)
private func chunkedSum(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Double {
    var total: Double = 0
    for start in stride(from: 0, to: n, by: 1024) {
        total += Double(laneSum(x, start..<min(n, start + 1024)))
    }
    return total
}

/// Σ (x − mean)², chunked like `chunkedSum`.
@inline(__always)
private func chunkedSquares(_ x: UnsafeMutablePointer<Float>, _ n: Int, mean: Float) -> Double {
    var total: Double = 0
    var i = 0
    let raw = UnsafeRawPointer(x)
    let mv = SIMD8<Float>(repeating: mean)
    while i < n {
        let end = min(n, i + 1024)
        var acc = SIMD8<Float>(repeating: 0)
        while i + 8 <= end {
            let d = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - mv
            acc += d * d
            i += 8
        }
        var s = acc.sum()
        while i < end {
            let d = x[i] - mean
            s += d * d
            i += 1
        }
        total += Double(s)
    }
    return total
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
