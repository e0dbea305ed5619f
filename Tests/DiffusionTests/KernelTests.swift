import Foundation
import Testing

@testable import Diffusion

/// Each fast kernel against its naive reference beside it in Sources/Diffusion/Kernels.
@Suite struct KernelTests {
    @Test func linearMatchesReference() {
        let (rows, i, o) = (7, 13, 5)
        let x = testData(rows * i, seed: 1)
        let w = testData(o * i, seed: 2)
        let b = testData(o, seed: 3)
        let weight = WeightMatrix(w, rows: o, columns: i, role: .transposedRight, precision: .float32)
        let fast = linear(x, rows: rows, weight: weight, bias: b)
        expectClose(fast, linearReference(x, rows: rows, weight: w, bias: b, inFeatures: i, outFeatures: o), relative: 1e-5, "linear")
        let gemmed = x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp -> [Float] in
                var c = [Float](repeating: 0, count: rows * o)
                c.withUnsafeMutableBufferPointer { cp in
                    guard let a = xp.baseAddress, let b = wp.baseAddress, let c = cp.baseAddress else { return }
                    gemm(transB: true, m: rows, n: o, k: i, a: a, lda: i, b: b, ldb: i, c: c, ldc: o)
                }
                return c
            }
        }
        let wT = (0..<(i * o)).map { idx in w[(idx % o) * i + idx / o] }
        expectClose(gemmed, gemmReference(m: rows, n: o, k: i, a: x, b: wT), relative: 1e-5, "gemm")
    }

    /// Feature maps to token sequences and back: odd sizes (partial 16×16 blocks), two images.
    @Test(arguments: kernelVersions)
    func transposeInnerSwapsTheLastTwoDimensions(vectorized: Bool) {
        let (n, rows, columns) = (2, 37, 21)
        let x = testData(n * rows * columns, seed: 68)
        let y = transposeInner(x, n: n, rows: rows, columns: columns, vectorized: vectorized)
        let expected = (0..<x.count).map { i -> Float in
            let (b, rest) = i.quotientAndRemainder(dividingBy: rows * columns)
            let (col, r) = rest.quotientAndRemainder(dividingBy: rows)
            return x[b * rows * columns + r * columns + col]
        }
        #expect(y == expected)
    }

    /// sgemm has no bias: the fp32 path adds it to what C holds, for either side of the product.
    @Test func float32ProductsAddTheirBiasToWhatCHolds() {
        let (m, n, k) = (5, 9, 7)
        let w = testData(m * k, seed: 61)
        let b = testData(k * n, seed: 62)
        let start = testData(m * n, seed: 63)
        let rowBias = testData(m, seed: 64)
        var c = start
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                multiply(WeightMatrix(w, rows: m, columns: k, role: .left, precision: .float32), bp.baseAddress!, ldb: n, n: n,
                         into: cp.baseAddress!, ldc: n, accumulate: true, bias: rowBias)
            }
        }
        let product = gemmReference(m: m, n: n, k: k, a: w, b: b)
        expectClose(c, c.indices.map { product[$0] + start[$0] + rowBias[$0 / n] }, relative: 1e-5, "W·B + C + row bias")

        let x = testData(n * k, seed: 65)  // (n × k) rows against w as an (m × k) Linear weight
        let columnBias = testData(m, seed: 66)
        var y = testData(n * m, seed: 67)
        let before = y
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                multiply(xp.baseAddress!, lda: k, m: n, transposed: WeightMatrix(w, rows: m, columns: k, role: .transposedRight, precision: .float32),
                         into: yp.baseAddress!, ldc: m, accumulate: true, bias: columnBias)
            }
        }
        let wT = (0..<(k * m)).map { i in w[(i % m) * k + i / m] }
        let xw = gemmReference(m: n, n: m, k: k, a: x, b: wT)
        expectClose(y, y.indices.map { xw[$0] + before[$0] + columnBias[$0 % m] }, relative: 1e-5, "X·Wᵀ + C + column bias")
    }

    /// Batches of one take the banded path, larger ones the side-by-side batched path.
    @Test(arguments: [(3, 1, 1), (3, 2, 1), (1, 1, 0), (3, 1, 0)], [1, 2])
    func conv2dMatchesReference(geometry: (kernel: Int, stride: Int, padding: Int), n: Int) {
        let (kernel, stride, padding) = geometry
        let (c, h, w, oc) = (3, 7, 6, 4)
        let x = testData(n * c * h * w, seed: 4)
        let wt = testData(oc * c * kernel * kernel, seed: 5)
        let b = testData(oc, seed: 6)
        let weight = WeightMatrix(wt, rows: oc, columns: c * kernel * kernel, role: .left, precision: .float32)
        let fast = conv2d(x, n: n, c: c, h: h, w: w, weight: weight, bias: b, kernel: kernel, stride: stride, padding: padding)
        let ref = conv2dReference(x, n: n, c: c, h: h, w: w, weight: wt, bias: b, outChannels: oc, kernel: kernel, stride: stride, padding: padding)
        #expect(fast.height == (h + 2 * padding - kernel) / stride + 1)
        expectClose(fast.data, ref, relative: 1e-5, "conv2d k\(kernel) s\(stride) p\(padding) n\(n)")
    }

    /// The AVX-512 GEGLU (polynomial erf) against the scalar one (libm's erff), over the
    /// range where erf bends and where it saturates.
    @Test(.enabled(if: avx512IsSupported, "no AVX-512")) func vectorizedGEGLUMatchesScalar() {
        let (rows, dim) = (3, 37)
        let x = testData(rows * 2 * dim, seed: 60).map { $0 * 3 }
        let fast = geglu(x, rows: rows, dim: dim, vectorized: true)
        let scalar = geglu(x, rows: rows, dim: dim, vectorized: false)
        expectClose(fast, scalar, relative: 1e-6, "geglu")
        #expect(Set(fast).count > rows * dim / 2, "geglu output is degenerate")
    }

    /// Both versions of a kernel: the AVX-512 one where this CPU runs it, and the fallback.
    static let kernelVersions = [false] + (avx512IsSupported ? [true] : [])

    @Test(arguments: kernelVersions)
    func normsMatchReference(vectorized: Bool) {
        let (n, c, hw) = (2, 8, 10)
        let x = testData(n * c * hw, seed: 7).map { $0 * 3 + 1 }
        let w = testData(c, seed: 8)
        let b = testData(c, seed: 9)
        var g = x
        groupNorm(&g, n: n, c: c, hw: hw, groups: 2, eps: 1e-5, weight: w, bias: b, vectorized: vectorized)
        expectClose(g, groupNormReference(x, n: n, c: c, hw: hw, groups: 2, eps: 1e-5, weight: w, bias: b), relative: 1e-5, "groupNorm")
        let ln = layerNorm(x, rows: n * hw, dim: c, weight: w, bias: b, eps: 1e-5, vectorized: vectorized)
        expectClose(ln, layerNormReference(x, rows: n * hw, dim: c, weight: w, bias: b, eps: 1e-5), relative: 1e-5, "layerNorm")
    }

    /// Groups larger than the 1024-element summation chunks, with the fused SiLU.
    @Test(arguments: kernelVersions)
    func largeGroupNormWithSiLUMatchesReference(vectorized: Bool) {
        let (n, c, hw) = (1, 4, 3001)
        let x = testData(n * c * hw, seed: 30).map { $0 * 2 + 5 }
        let w = testData(c, seed: 31)
        let b = testData(c, seed: 32)
        var g = x
        groupNorm(&g, n: n, c: c, hw: hw, groups: 2, eps: 1e-6, weight: w, bias: b, silu: true, vectorized: vectorized)
        let ref = groupNormReference(x, n: n, c: c, hw: hw, groups: 2, eps: 1e-6, weight: w, bias: b).map { $0 / (1 + Foundation.exp(-$0)) }
        expectClose(g, ref, relative: 1e-5, "groupNorm + SiLU, 6002-element groups")
    }

    /// Both versions (AVX-512 and the Swift fallback), on rows that are not whole vectors,
    /// one with masked (−∞) scores and one fully masked (zeros, not NaNs).
    @Test(arguments: [true, false])
    func softmaxMatchesReference(vectorized: Bool) {
        let (rows, cols) = (6, 37)
        var x = testData(rows * cols, seed: 10).map { $0 * 5 }
        for j in 30..<cols { x[cols + j] = -.infinity }
        let ref = softmaxReference(x, rows: rows, cols: cols)
        for j in 0..<cols { x[2 * cols + j] = -.infinity }
        var inverseSums = [Float](repeating: 0, count: rows)
        softmaxRowsUnnormalized(&x, rows: rows, cols: cols, stride: cols, inverseSums: &inverseSums, vectorized: vectorized)
        let normalised = x.indices.map { x[$0] * inverseSums[$0 / cols] }
        let unmasked = (0..<rows).filter { $0 != 2 }.flatMap { r in (r * cols)..<((r + 1) * cols) }
        expectClose(unmasked.map { normalised[$0] }, unmasked.map { ref[$0] }, relative: 1e-6, "softmax, vectorized \(vectorized)")
        #expect((0..<cols).allSatisfy { x[2 * cols + $0] == 0 }, "a fully masked row gives zeros")
        #expect((30..<cols).allSatisfy { normalised[cols + $0] == 0 }, "masked scores get no weight")
    }

    /// Blocks smaller than the query length exercise the blocked path; causal is CLIP's mask.
    /// Both fp32 paths: packed for our AVX-512 kernel (a block of more than one panel of 32
    /// queries, a ragged last panel, more keys than one k block of 256, heads of 40 values in
    /// panels of 10 and of 16 in panels of 8) and sgemm with the Swift softmax.
    @Test(arguments: [
        (37, 11, 3, 4, false, 8), (37, 37, 3, 4, true, 8), (70, 300, 2, 40, false, 40), (45, 45, 1, 16, true, 64),
    ])
    func blockedAttentionMatchesReference(lq: Int, lk: Int, heads: Int, d: Int, causal: Bool, blockRows: Int) {
        let b = 2
        let q = testData(b * lq * heads * d, seed: 11)
        let k = testData(b * lk * heads * d, seed: 12)
        let v = testData(b * lk * heads * d, seed: 13)
        let ref = attentionReference(q: q, k: k, v: v, batch: b, queryLength: lq, keyLength: lk, heads: heads, headDim: d, causal: causal)
        for vectorized in avx512IsSupported ? [true, false] : [false] {
            let fast = attention(q: q, k: k, v: v, batch: b, queryLength: lq, keyLength: lk, heads: heads, headDim: d, causal: causal,
                                 blockRows: blockRows, vectorized: vectorized)
            expectClose(fast, ref, relative: 1e-5, "attention \(lq)×\(lk)×\(d), causal \(causal), vectorized \(vectorized)")
        }
    }

    /// SD's 64×64 self-attention size: 4096 tokens. The blocked kernel never holds the
    /// 4096×4096 score matrix; spot-check rows against the naive formula.
    @Test func attentionOver4096TokensMatchesReferenceRows() {
        let (l, d) = (4096, 8)
        let q = testData(l * d, seed: 21)
        let k = testData(l * d, seed: 22)
        let v = testData(l * d, seed: 23)
        let fast = attention(q: q, k: k, v: v, batch: 1, queryLength: l, keyLength: l, heads: 1, headDim: d)
        for row in [0, 1_000, 4_095] {
            let ref = attentionReference(q: Array(q[(row * d)..<((row + 1) * d)]), k: k, v: v, batch: 1, queryLength: 1, keyLength: l, heads: 1, headDim: d)
            expectClose(Array(fast[(row * d)..<((row + 1) * d)]), ref, relative: 1e-5, "4096-token attention row \(row)")
        }
    }

    @Test func fastExpMatchesExpf() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let v = fastExp(SIMD8<Float>((0..<8).map { x + Float($0) * 0.0137 }))
            for i in 0..<8 {
                let ref = Foundation.exp(Double(x + Float(i) * 0.0137))
                worst = max(worst, Float(abs(Double(v[i]) - ref) / ref))
                let scalar = fastExp(x + Float(i) * 0.0137)
                worst = max(worst, Float(abs(Double(scalar) - ref) / ref))
            }
            x += 0.173
        }
        #expect(worst < 5e-7, "fastExp relative error \(worst)")
        #expect(fastExp(SIMD8(repeating: -.infinity)) == SIMD8(repeating: 0))
        #expect(fastExp(-Float.infinity) == 0)
    }

    @Test func nearestUpsampleFollowsTorchIndexRule() {
        // 1×3 → 2×5: torch picks source columns floor(dst · 3/5) = 0,0,1,1,2
        let y = upsampleNearest([1, 2, 3], n: 1, c: 1, h: 1, w: 3, outHeight: 2, outWidth: 5)
        #expect(y == [1, 1, 2, 2, 3, 1, 1, 2, 2, 3])
    }
}
