import Foundation

/// Row-wise softmax in place over x (rows, cols), each row stored `stride` apart.
/// Rows are split across cores; exponentials use the vectorised `fastExp`.
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int) {
    var sums = [Float](repeating: 0, count: rows)
    sums.withUnsafeMutableBufferPointer { sp in
        guard let sb = sp.baseAddress else { return }
        softmaxRowsUnnormalized(x, rows: rows, cols: cols, stride: stride, inverseSums: sb)
        for r in 0..<rows {
            let p = x + r * stride
            let inv = sb[r]
            for j in 0..<cols { p[j] *= inv }
        }
    }
}

/// exp(x − rowmax) in place, leaving each row's 1/Σ in `inverseSums`: attention applies
/// it to the (rows × headDim) output instead of the (rows × keys) probabilities.
func softmaxRowsUnnormalized(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int, inverseSums: UnsafeMutablePointer<Float>) {
    let base = SendablePointer(p: x)
    let sums = SendablePointer(p: inverseSums)
    parallelChunks(rows, minimum: max(1, 16384 / max(cols, 1)), work: rows * cols) { range in
        for r in range { sums.p[r] = 1 / expRow(base.p + r * stride, cols) }
    }
}

/// exp(p − max(p)) in place; returns the sum.
@inline(__always)
func expRow(_ p: UnsafeMutablePointer<Float>, _ cols: Int) -> Float {
    // four independent max chains, then a plain call-free exp loop (LLVM vectorises it);
    // the sum runs on SIMD lanes because a scalar float reduction would not vectorise.
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
    var sv = SIMD8<Float>(repeating: 0)
    i = 0
    let raw = UnsafeRawPointer(p)
    while i + 8 <= cols {
        sv += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    var s = sv.sum()
    while i < cols {
        s += p[i]
        i += 1
    }
    return s
}

/// Naive reference for `softmaxRows` (tests only).
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
