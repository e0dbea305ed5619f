import CKernels
import Foundation

/// exp(x − rowmax) in place, leaving each row's 1/Σ in `inverseSums`: attention applies
/// it to the (rows × headDim) output instead of the (rows × keys) probabilities. One
/// thread: attention already shares its heads between the cores. With AVX-512 the rows run
/// in `lz_softmax_rows_unnormalized`; this Swift loop is the fallback.
func softmaxRowsUnnormalized(
    _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int, inverseSums: UnsafeMutablePointer<Float>,
    vectorized: Bool = avx512IsSupported
) {
    if vectorized {
        lz_softmax_rows_unnormalized(x, Int32(rows), Int32(cols), stride, inverseSums)
        return
    }
    for r in 0..<rows { inverseSums[r] = 1 / expRow(x + r * stride, cols) }
}

/// exp(p − max(p)) in place; returns the sum.
@inline(__always)
func expRow(_ p: UnsafeMutablePointer<Float>, _ cols: Int) -> Float {
    // four independent max chains, then a plain call-free exp loop (LLVM vectorises it);
    // then the sum on SIMD lanes.
    var m0 = -Float.infinity, m1 = -Float.infinity, m2 = -Float.infinity, m3 = -Float.infinity
    var i = 0
    while i + 4 <= cols {
        m0 = p[i] > m0 ? p[i] : m0
        m1 = p[i + 1] > m1 ? p[i + 1] : m1
        m2 = p[i + 2] > m2 ? p[i + 2] : m2
        m3 = p[i + 3] > m3 ? p[i + 3] : m3
        i += 4
    }
    while i < cols {
        m0 = p[i] > m0 ? p[i] : m0
        i += 1
    }
    var m = max(max(m0, m1), max(m2, m3))
    if m == -.infinity { m = 0 }
    for j in 0..<cols { p[j] = fastExp(p[j] - m) }
    return laneSum(p, 0..<cols)
}

/// Naive reference for a normalised `softmaxRowsUnnormalized` (tests only).
func softmaxReference(_ x: [Float], rows: Int, cols: Int) -> [Float] {
    var y = x
    for r in 0..<rows {
        let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
        let m = row.max() ?? 0
        let e = row.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        for i in 0..<cols { y[r * cols + i] = Float(e[i] / s) }
    }
    return y
}
