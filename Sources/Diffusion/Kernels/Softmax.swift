import Foundation

/// Row-wise softmax in place over x (rows, cols), each row stored `stride` apart.
@inline(__always)
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int) {
    for r in 0..<rows {
        let p = x + r * stride
        var m = -Float.infinity
        for i in 0..<cols where p[i] > m { m = p[i] }
        var s: Float = 0
        for i in 0..<cols {
            let e = expf(p[i] - m)
            p[i] = e
            s += e
        }
        let inv = 1 / s
        for i in 0..<cols { p[i] *= inv }
    }
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
