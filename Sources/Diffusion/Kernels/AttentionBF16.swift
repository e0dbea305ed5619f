import CKernels

/// `attention` on the bf16 path: Q·Kᵀ and P·V through the bf16 kernel, the softmax in
/// AVX-512, and the (batch × head × query block) items shared between the cores, each
/// core with a scores block of its own and single-threaded products. Head dimensions of
/// 40 make poor GEMMs to split, while the items are many and equal.
func attentionBF16(
    q: [Float], k: [Float], v: [Float], batch: Int, queryLength lq: Int, keyLength lk: Int, heads: Int,
    headDim d: Int, blockRows: Int? = nil
) -> [Float] {
    // 64 query rows against 4096 keys: a 1 MiB scores block that stays in the core's L2
    let rowsPerBlock = min(lq, blockRows ?? max(16, (1 << 18) / max(lk, 1)))
    let blocks = (lq + rowsPerBlock - 1) / rowsPerBlock
    let width = heads * d
    var out = [Float](repeating: 0, count: batch * lq * width)
    let scale = 1 / Float(d).squareRoot()
    q.withUnsafeBufferPointer { qp in
        k.withUnsafeBufferPointer { kp in
            v.withUnsafeBufferPointer { vp in
                out.withUnsafeMutableBufferPointer { op in
                    guard let qb = qp.baseAddress, let kb = kp.baseAddress, let vb = vp.baseAddress,
                        let ob = op.baseAddress
                    else { return }
                    let pointers = UncheckedSendable(value: (qb, kb, vb, SendablePointer(p: ob)))
                    let items = batch * heads * blocks
                    parallelChunks(items, work: items * rowsPerBlock * lk * d) { range in
                        let (qb, kb, vb, ob) = pointers.value
                        let scores = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock * lk)
                        let inverseSums = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerBlock)
                        defer {
                            scores.deallocate()
                            inverseSums.deallocate()
                        }
                        for item in range {
                            let (bh, block) = item.quotientAndRemainder(dividingBy: blocks)
                            let (b, h) = bh.quotientAndRemainder(dividingBy: heads)
                            let i0 = block * rowsPerBlock
                            let rows = min(rowsPerBlock, lq - i0)
                            let qh = qb + (b * lq + i0) * width + h * d
                            let kh = kb + b * lk * width + h * d
                            let vh = vb + b * lk * width + h * d
                            let o = ob.p + (b * lq + i0) * width + h * d
                            // S = Q_blk · Kᵀ (rows × lk); Kᵀ is K read transposed
                            lz_bf16_gemm(
                                Int32(rows), Int32(lk), Int32(d),
                                lz_bf16_operand(packed: nil, data: qh, ld: width, transposed: 0),
                                lz_bf16_operand(packed: nil, data: kh, ld: width, transposed: 1),
                                scores, lk, 0, Int32(rows), 0, Int32(lk), 0)
                            lz_softmax_rows_unnormalized(scores, Int32(rows), Int32(lk), lk, scale, inverseSums)
                            // O_blk = exp(S − max) · V, then each row divided by its softmax sum
                            lz_bf16_gemm(
                                Int32(rows), Int32(d), Int32(lk),
                                lz_bf16_operand(packed: nil, data: scores, ld: lk, transposed: 0),
                                lz_bf16_operand(packed: nil, data: vh, ld: width, transposed: 0),
                                o, width, 0, Int32(rows), 0, Int32(d), 0)
                            for r in 0..<rows {
                                let row = o + r * width
                                let inv = inverseSums[r]
                                for t in 0..<d { row[t] *= inv }
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}
