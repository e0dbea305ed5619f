import CKernels
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
/// Rows are split across the cores; with AVX-512 the C kernel computes them 16 at a time.
func geglu(_ x: [Float], rows: Int, dim: Int, vectorized: Bool = avx512IsSupported) -> [Float] {
    var y = uninitializedFloats(rows * dim)  // every row written by one chunk
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            guard let xbase = xp.baseAddress, let ybase = yp.baseAddress else { return }  // no rows
            let pointers = UncheckedSendable(value: (xbase, SendablePointer(p: ybase)))
            parallelChunks(rows, work: rows * dim * 16) { range in
                let (xb, yb) = pointers.value
                if vectorized {
                    lz_geglu(xb + range.lowerBound * 2 * dim, Int32(range.count), Int32(dim), yb.p + range.lowerBound * dim)
                    return
                }
                for r in range {
                    let src = r * 2 * dim
                    for i in 0..<dim { yb.p[r * dim + i] = xb[src + i] * gelu(xb[src + dim + i]) }
                }
            }
        }
    }
    return y
}

let avx512IsSupported = lz_avx512_supported() != 0

/// a += b elementwise (residual connections).
func addInPlace(_ a: inout [Float], _ b: [Float]) {
    a.withUnsafeMutableBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            for i in ap.indices { ap[i] += bp[i] }
        }
    }
}

/// x = max(x, 0) (torch.nn.ReLU).
func reluInPlace(_ x: inout [Float]) {
    for i in x.indices where x[i] < 0 { x[i] = 0 }
}
