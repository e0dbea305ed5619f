import Foundation

/// Elementwise activations, in place over any shape.

/// SiLU (swish): x · σ(x).
func siluInPlace(_ x: inout [Float]) {
    x.withUnsafeMutableBufferPointer { p in
        for i in p.indices { p[i] = p[i] / (1 + expf(-p[i])) }
    }
}

/// Exact GELU: 0.5 · x · (1 + erf(x / √2)), as torch's default `gelu`.
func geluInPlace(_ x: inout [Float]) {
    x.withUnsafeMutableBufferPointer { p in
        for i in p.indices { p[i] = gelu(p[i]) }
    }
}

@inline(__always)
func gelu(_ v: Float) -> Float { 0.5 * v * (1 + erff(v * 0.70710678118654752)) }

/// QuickGELU (OpenAI CLIP): x · σ(1.702 · x).
func quickGeluInPlace(_ x: inout [Float]) {
    x.withUnsafeMutableBufferPointer { p in
        for i in p.indices { p[i] = p[i] / (1 + expf(-1.702 * p[i])) }
    }
}

/// GEGLU's gate: x is (rows, 2·dim) = [hidden | gate]; returns hidden · gelu(gate), (rows, dim).
func geglu(_ x: [Float], rows: Int, dim: Int) -> [Float] {
    var y = [Float](repeating: 0, count: rows * dim)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            for r in 0..<rows {
                let src = r * 2 * dim
                for i in 0..<dim { yp[r * dim + i] = xp[src + i] * gelu(xp[src + dim + i]) }
            }
        }
    }
    return y
}

/// a += b elementwise (residual connections).
func addInPlace(_ a: inout [Float], _ b: [Float]) {
    a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            for i in ap.indices { ap[i] += bp[i] }
        }
    }
}
