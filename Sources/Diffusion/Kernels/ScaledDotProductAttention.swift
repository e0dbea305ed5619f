import Foundation

/// Multi-head scaled dot-product attention, blocked over queries so that no (Lq × Lk)
/// matrix per head is ever held: at most `blockRows × Lk` scores at a time (by default
/// 4M floats = 16 MiB, i.e. 1024 query rows for SD's 4096-token self-attention, instead
/// of the 64 MiB full matrix per head).
///
/// q is (B, Lq, heads·headDim), k and v are (B, Lk, heads·headDim); heads are interleaved
/// in the last dimension exactly as diffusers' `head_to_batch_dim` splits them, so no
/// permute is needed: each head is a strided view fed straight to GEMM. Returns
/// (B, Lq, heads·headDim). `causal` masks keys after the query (CLIP's text encoder).
func attention(
    q: [Float], k: [Float], v: [Float], batch: Int, queryLength lq: Int, keyLength lk: Int, heads: Int,
    headDim d: Int, causal: Bool = false, blockRows: Int? = nil
) -> [Float] {
    let blockRows = blockRows ?? max(64, (1 << 22) / max(lk, 1))
    let width = heads * d
    var out = [Float](repeating: 0, count: batch * lq * width)
    let rowsPerBlock = min(blockRows, lq)
    var scores = [Float](repeating: 0, count: rowsPerBlock * lk)
    var inverseSums = [Float](repeating: 0, count: rowsPerBlock)
    let scale = 1 / Float(d).squareRoot()
    q.withUnsafeBufferPointer { qp in
        k.withUnsafeBufferPointer { kp in
            v.withUnsafeBufferPointer { vp in
                out.withUnsafeMutableBufferPointer { op in
                    scores.withUnsafeMutableBufferPointer { sp in
                      inverseSums.withUnsafeMutableBufferPointer { ip in
                        guard let qb = qp.baseAddress, let kb = kp.baseAddress, let vb = vp.baseAddress,
                            let ob = op.baseAddress, let s = sp.baseAddress, let inv = ip.baseAddress
                        else { return }
                        for b in 0..<batch {
                            for h in 0..<heads {
                                let kh = kb + b * lk * width + h * d
                                let vh = vb + b * lk * width + h * d
                                var i0 = 0
                                while i0 < lq {
                                    let rows = min(rowsPerBlock, lq - i0)
                                    let qh = qb + (b * lq + i0) * width + h * d
                                    // S = scale · Q_blk · Kᵀ  (rows × lk)
                                    gemm(
                                        transB: true, m: rows, n: lk, k: d, alpha: scale, a: qh, lda: width, b: kh,
                                        ldb: width, c: s, ldc: lk)
                                    if causal {
                                        for r in 0..<rows {
                                            let qi = i0 + r
                                            if qi + 1 < lk { for j in (qi + 1)..<lk { s[r * lk + j] = -.infinity } }
                                        }
                                    }
                                    softmaxRowsUnnormalized(s, rows: rows, cols: lk, stride: lk, inverseSums: inv)
                                    // O_blk = exp(S − max) · V  (rows × d) into its head's columns,
                                    // then each row divided by its softmax sum
                                    let o = ob + (b * lq + i0) * width + h * d
                                    gemm(m: rows, n: d, k: lk, a: s, lda: lk, b: vh, ldb: width, c: o, ldc: width)
                                    for r in 0..<rows {
                                        let row = o + r * width
                                        for t in 0..<d { row[t] *= inv[r] }
                                    }
                                    i0 += rows
                                }
                            }
                        }
                      }
                    }
                }
            }
        }
    }
    return out
}

/// Naive reference for `attention` (tests only): full score matrix, Double accumulation.
func attentionReference(
    q: [Float], k: [Float], v: [Float], batch: Int, queryLength lq: Int, keyLength lk: Int, heads: Int,
    headDim d: Int, causal: Bool = false
) -> [Float] {
    let width = heads * d
    var out = [Float](repeating: 0, count: batch * lq * width)
    for b in 0..<batch {
        for h in 0..<heads {
            for i in 0..<lq {
                var sc = [Double](repeating: 0, count: lk)
                for j in 0..<lk {
                    var s: Double = 0
                    for t in 0..<d { s += Double(q[(b * lq + i) * width + h * d + t]) * Double(k[(b * lk + j) * width + h * d + t]) }
                    sc[j] = (causal && j > i) ? -Double.infinity : s / Double(d).squareRoot()
                }
                let m = sc.max() ?? 0
                let e = sc.map { ($0 - m).isNaN ? 0 : Foundation.exp($0 - m) }
                let z = e.reduce(0, +)
                for t in 0..<d {
                    var acc: Double = 0
                    for j in 0..<lk { acc += e[j] / z * Double(v[(b * lk + j) * width + h * d + t]) }
                    out[(b * lq + i) * width + h * d + t] = Float(acc)
                }
            }
        }
    }
    return out
}
