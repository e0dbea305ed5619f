import CKernels

/// `attention` on the bf16 path: Q·Kᵀ and P·V through the bf16 kernel, the softmax in
/// AVX-512. Work items are (batch, head, query chunk), shared between the cores, each core
/// with its own buffers and single-threaded products: head dimensions of 40 make poor
/// GEMMs to split, while the items are many and equal. An item packs its head's K and V
/// once and reuses them for every block of query rows.
func attentionBF16(
    q: [Float], k: [Float], v: [Float], batch: Int, queryLength lq: Int, keyLength lk: Int, heads: Int,
    headDim d: Int, blockRows: Int? = nil
) -> [Float] {
    // 64 query rows against 4096 keys: a 1 MiB scores block that stays in the core's L2
    let rowsPerBlock = min(lq, blockRows ?? max(16, (1 << 18) / max(lk, 1)))
    // a single head (the VAE's) is split by query rows so that every core has work
    let chunks = min(max(1, cpuCount / max(1, batch * heads)), (lq + rowsPerBlock - 1) / rowsPerBlock)
    let chunkRows = (lq + chunks - 1) / chunks
    let width = heads * d
    var out = uninitializedFloats(batch * lq * width)  // each head's P·V writes its columns
    let scale = 1 / Float(d).squareRoot()
    GEMMWork.add(m: batch * heads * lq, n: lk, k: d)
    GEMMWork.add(m: batch * heads * lq, n: d, k: lk)
    q.withUnsafeBufferPointer { qp in
        k.withUnsafeBufferPointer { kp in
            v.withUnsafeBufferPointer { vp in
                out.withUnsafeMutableBufferPointer { op in
                    guard let qb = qp.baseAddress, let kb = kp.baseAddress, let vb = vp.baseAddress,
                        let ob = op.baseAddress
                    else { return }
                    let pointers = UncheckedSendable(value: (qb, kb, vb, SendablePointer(p: ob)))
                    let items = batch * heads * chunks
                    parallelChunks(items, work: batch * heads * lq * lk * d) { range in
                        let (qb, kb, vb, ob) = pointers.value
                        let packedK = [UInt32](unsafeUninitializedCapacity: lz_bf16_packed_b_words(Int32(lk), Int32(d))) { $1 = $0.count }
                        let packedV = [UInt32](unsafeUninitializedCapacity: lz_bf16_packed_b_words(Int32(d), Int32(lk))) { $1 = $0.count }
                        var scores = [Float](repeating: 0, count: rowsPerBlock * lk)
                        var inverseSums = [Float](repeating: 0, count: rowsPerBlock)
                        for item in range {
                            let (bh, chunk) = item.quotientAndRemainder(dividingBy: chunks)
                            let (b, h) = bh.quotientAndRemainder(dividingBy: heads)
                            let kh = kb + b * lk * width + h * d
                            let vh = vb + b * lk * width + h * d
                            packedK.withUnsafeBufferPointer { pk in
                                lz_bf16_pack_b_transposed(kh, width, Int32(lk), Int32(d), UnsafeMutablePointer(mutating: pk.baseAddress))
                            }
                            packedV.withUnsafeBufferPointer { pv in
                                lz_bf16_pack_b(vh, width, Int32(lk), Int32(d), UnsafeMutablePointer(mutating: pv.baseAddress))
                            }
                            var i0 = chunk * chunkRows
                            let end = min(lq, i0 + chunkRows)
                            while i0 < end {
                                let rows = min(rowsPerBlock, end - i0)
                                let qh = qb + (b * lq + i0) * width + h * d
                                let o = ob.p + (b * lq + i0) * width + h * d
                                packedK.withUnsafeBufferPointer { pk in
                                    packedV.withUnsafeBufferPointer { pv in
                                        scores.withUnsafeMutableBufferPointer { s in
                                            inverseSums.withUnsafeMutableBufferPointer { inv in
                                                attentionBlock(
                                                    rows: rows, lk: lk, d: d, q: qh, width: width, packedK: pk.baseAddress!,
                                                    packedV: pv.baseAddress!, scale: scale, scores: s.baseAddress!,
                                                    inverseSums: inv.baseAddress!, out: o)
                                            }
                                        }
                                    }
                                }
                                i0 += rows
                            }
                        }
                    }
                }
            }
        }
    }
    return out
}

/// One block of query rows of one head: S = Q·Kᵀ, P = exp(scale·(S − max)), O = P·V / ΣP.
@inline(__always)
private func attentionBlock(
    rows: Int, lk: Int, d: Int, q: UnsafePointer<Float>, width: Int, packedK: UnsafePointer<UInt32>,
    packedV: UnsafePointer<UInt32>, scale: Float, scores: UnsafeMutablePointer<Float>,
    inverseSums: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
) {
    lz_bf16_gemm(
        Int32(rows), Int32(lk), Int32(d), lz_bf16_operand(packed: nil, data: q, ld: width, transposed: 0),
        lz_bf16_operand(packed: packedK, data: nil, ld: 0, transposed: 0), scores, lk, 0, Int32(rows), 0, Int32(lk), 0)
    lz_softmax_rows_unnormalized(scores, Int32(rows), Int32(lk), lk, scale, inverseSums)
    lz_bf16_gemm(
        Int32(rows), Int32(d), Int32(lk), lz_bf16_operand(packed: nil, data: scores, ld: lk, transposed: 0),
        lz_bf16_operand(packed: packedV, data: nil, ld: 0, transposed: 0), out, width, 0, Int32(rows), 0, Int32(d), 0)
    for r in 0..<rows {
        let row = out + r * width
        let inv = inverseSums[r]
        for t in 0..<d { row[t] *= inv }
    }
}
