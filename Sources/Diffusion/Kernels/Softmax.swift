import Foundation

/// Row-wise softmax in place over x (rows, cols), each row stored `stride` apart.
/// Rows are split across cores; exponentials are computed 8 at a time with `fastExp`.
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int) {
    let base = SendablePointer(p: x)
    parallelChunks(rows, minimum: max(1, 16384 / max(cols, 1)), work: rows * cols) { range in
        for r in range { softmaxRow(base.p + r * stride, cols) }
    }
}

@inline(__always)
private func softmaxRow(_ p: UnsafeMutablePointer<Float>, _ cols: Int) {
    var m = -Float.infinity
    for i in 0..<cols where p[i] > m { m = p[i] }
    if m == -.infinity { m = 0 }
    let mv = SIMD8<Float>(repeating: m)
    var sv = SIMD8<Float>(repeating: 0)
    var i = 0
    let raw = UnsafeMutableRawPointer(p)
    while i + 8 <= cols {
        let e = fastExp(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - mv)
        raw.storeBytes(of: e, toByteOffset: 4 * i, as: SIMD8<Float>.self)
        sv += e
        i += 8
    }
    var s = sv.sum()
    while i < cols {
        let e = expf(p[i] - m)
        p[i] = e
        s += e
        i += 1
    }
    let inv = 1 / s
    for j in 0..<cols { p[j] *= inv }
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
