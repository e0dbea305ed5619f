import CKernels
import Foundation

/// Multi-head scaled dot-product attention, blocked over queries so that no (Lq × Lk)
/// matrix per head is ever held: 64 query rows against 4096 keys at a time, a 1 MiB
/// scores block that stays in the core's L2 (the full matrix would be 64 MiB per head).
///
/// q is (B, Lq, heads·headDim), k and v are (B, Lk, heads·headDim); heads are interleaved
/// in the last dimension exactly as diffusers' `head_to_batch_dim` splits them, so no
/// permute is needed: each head is a strided view fed straight to GEMM. Returns
/// (B, Lq, heads·headDim). `causal` masks keys after the query (CLIP's text encoder).
///
/// Work items are (batch, head, query chunk), shared between the cores, each core with its
/// own buffers and single-threaded products: head dimensions of 40 make poor GEMMs to
/// split, while the items are many and equal. A single head (the VAE's) is split by query
/// rows so that every core has work. An item packs its head's K and V once for all its query
/// blocks, and the softmax runs in AVX-512; in fp32 without AVX-512 (`vectorized` false), the
/// products are sgemm's and the softmax Swift's.
func attention(
    q: [Float], k: [Float], v: [Float], batch: Int, queryLength lq: Int, keyLength lk: Int, heads: Int,
    headDim d: Int, causal: Bool = false, precision: ComputePrecision = .float32, blockRows: Int? = nil,
    vectorized: Bool = avx512IsSupported
) -> [Float] {
    let rowsPerBlock = min(lq, blockRows ?? max(16, (1 << 18) / max(lk, 1)))
    let chunks = min(max(1, cpuCount / max(1, batch * heads)), (lq + rowsPerBlock - 1) / rowsPerBlock)
    let chunkRows = (lq + chunks - 1) / chunks
    let width = heads * d
    var out = uninitializedFloats(batch * lq * width)  // each head's P·V writes its columns
    let packs = precision == .bfloat16 || vectorized
    if packs {  // (sgemm's products count themselves in `gemm`)
        GEMMWork.add(m: batch * heads * lq, n: lk, k: d)
        GEMMWork.add(m: batch * heads * lq, n: d, k: lk)
    }
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
                        var head = HeadAttention(
                            precision: precision, packs: packs, keyLength: lk, headDim: d, width: width, rows: rowsPerBlock,
                            causal: causal)
                        for item in range {
                            let (bh, chunk) = item.quotientAndRemainder(dividingBy: chunks)
                            let (b, h) = bh.quotientAndRemainder(dividingBy: heads)
                            head.load(keys: kb + b * lk * width + h * d, values: vb + b * lk * width + h * d)
                            var i0 = chunk * chunkRows
                            let end = min(lq, i0 + chunkRows)
                            while i0 < end {
                                let rows = min(rowsPerBlock, end - i0)
                                let offset = (b * lq + i0) * width + h * d
                                head.block(queries: qb + offset, firstQuery: i0, rows: rows, into: ob.p + offset)
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

/// One core's attention over one head at a time: its scores block, and the head's K and V
/// packed for the kernels.
///
/// Both precisions work on the transposed problem, Sᵀ = K·Qᵀ and Oᵀ = Vᵀ·Pᵀ, with K and Vᵀ
/// packed once per head as the kernel's row operand: a head of 40 or 80 values then fills the
/// kernel's row panels instead of its 32-column ones (64 or 96), and the softmax runs 16
/// queries per vector. PV was a third of the rate of QKᵀ the other way round. bf16's softmax
/// writes Pᵀ packed for the kernel, never in fp32; fp32's scores are written in the kernel's
/// panels of 32 queries, so the softmax leaves Pᵀ packed where it is (OpenBLAS's sgemm ran
/// these shapes at 61–75 GFLOP/s a core, our fp32 kernel at 108–115).
private struct HeadAttention {
    let precision: ComputePrecision
    /// false: fp32 without AVX-512, on sgemm and the Swift softmax (`block`'s row-wise path).
    let packs: Bool
    var packsFloat32: Bool { precision == .float32 && packs }
    let keyLength: Int
    let headDim: Int
    let width: Int
    let causal: Bool
    let scale: Float
    /// fp32 with sgemm: S (rows × keyLength); packed fp32: Sᵀ in panels of 32 queries (keys ×
    /// 32 each), then Pᵀ; bf16: Sᵀ (keyLength × rows).
    var scores: [Float]
    var inverseSums: [Float]
    /// bf16: K (keyLength × headDim) and Vᵀ (headDim × keyLength), packed as row operands,
    /// Vᵀ in panels of the height that pads a head least (4 panels of 10 rows for 40 values,
    /// where panels of 12 would work 48: PV ran at 83 % of the kernel's rate).
    var packedK: [UInt32] = []
    var packedVT: [UInt32] = []
    var valuePanelRows: Int32 = LZ_MR
    /// bf16: Pᵀ as the softmax packs it for the kernel.
    var packedP: [UInt32] = []
    /// fp32: K and Vᵀ packed as row operands, the query block as the column operand.
    var packedK32: [Float] = []
    var packedVT32: [Float] = []
    var packedQ32: [Float] = []
    /// bf16: Vᵀ before packing; bf16 and packed fp32: Oᵀ (headDim × rows) before it is scaled
    /// into place.
    var transposedValues: [Float] = []
    var transposedOut: [Float] = []
    var keys: UnsafePointer<Float>?
    var values: UnsafePointer<Float>?

    init(precision: ComputePrecision, packs: Bool, keyLength: Int, headDim: Int, width: Int, rows: Int, causal: Bool) {
        self.precision = precision
        self.packs = packs
        self.keyLength = keyLength
        self.headDim = headDim
        self.width = width
        self.causal = causal
        scale = 1 / Float(headDim).squareRoot()
        // fp32 packed: whole panels of 32 queries (the kernel reads a panel's every column)
        // (zeros: the last panel's columns past the block are multiplied, never stored, and stay
        // finite numbers that cost no slow arithmetic)
        scores = precision == .float32 && packs
            ? [Float](repeating: 0, count: (rows + 31) / 32 * 32 * keyLength) : uninitializedFloats(rows * keyLength)
        inverseSums = uninitializedFloats(rows)
        valuePanelRows = lz_bf16_panel_rows(Int32(headDim))
        if packsFloat32 {
            packedK32 = uninitializedFloats(lz_f32_packed_floats(Int32(keyLength), Int32(headDim), LZ_MR))
            packedVT32 = uninitializedFloats(lz_f32_packed_floats(Int32(headDim), Int32(keyLength), valuePanelRows))
            packedQ32 = uninitializedFloats(lz_f32_packed_floats(Int32(rows), Int32(headDim), 32))
            transposedOut = uninitializedFloats(headDim * rows)
        }
        if precision == .bfloat16 {
            packedK = [UInt32](repeating: 0, count: lz_bf16_packed_a_words(Int32(keyLength), Int32(headDim)))
            packedVT = [UInt32](repeating: 0, count: lz_bf16_packed_a_panel_words(Int32(headDim), Int32(keyLength), valuePanelRows))
            packedP = [UInt32](repeating: 0, count: lz_bf16_packed_b_words(Int32(rows), Int32(keyLength)))
            transposedValues = uninitializedFloats(headDim * keyLength)
            transposedOut = uninitializedFloats(headDim * rows)
        }
    }

    /// The head whose K and V (keyLength × headDim, rows `width` apart) the next blocks use.
    mutating func load(keys: UnsafePointer<Float>, values: UnsafePointer<Float>) {
        self.keys = keys
        self.values = values
        let (lk, d, width) = (keyLength, headDim, width)
        if packsFloat32 {
            packedK32.withUnsafeMutableBufferPointer { lz_f32_pack_panels(keys, width, 0, Int32(lk), Int32(d), LZ_MR, $0.baseAddress) }
            packedVT32.withUnsafeMutableBufferPointer {
                lz_f32_pack_panels(values, width, 1, Int32(d), Int32(lk), valuePanelRows, $0.baseAddress)
            }
        }
        guard precision == .bfloat16 else { return }
        packedK.withUnsafeMutableBufferPointer { lz_bf16_pack_a(keys, width, Int32(lk), Int32(d), $0.baseAddress) }
        transposedValues.withUnsafeMutableBufferPointer { vt in
            lz_transpose_scaled(values, Int32(lk), Int32(d), width, nil, vt.baseAddress, lk)
            packedVT.withUnsafeMutableBufferPointer {
                lz_bf16_pack_a_panels(vt.baseAddress, lk, Int32(d), Int32(lk), valuePanelRows, $0.baseAddress)
            }
        }
    }

    /// Query rows firstQuery..<firstQuery+rows: S = Q·Kᵀ, P = exp(scale·(S − rowmax)),
    /// O = P·V / ΣP written into `out` (rows `width` apart).
    mutating func block(queries q: UnsafePointer<Float>, firstQuery: Int, rows: Int, into out: UnsafeMutablePointer<Float>) {
        if precision == .bfloat16 {
            transposedBlock(queries: q, firstQuery: firstQuery, rows: rows, into: out)
            return
        }
        if packs {
            transposedFloat32Block(queries: q, firstQuery: firstQuery, rows: rows, into: out)
            return
        }
        let (lk, d, width, scale, causal) = (keyLength, headDim, width, scale, causal)
        guard let keys, let values else { return }
        scores.withUnsafeMutableBufferPointer { sp in
            inverseSums.withUnsafeMutableBufferPointer { ip in
                let (s, inv) = (sp.baseAddress!, ip.baseAddress!)
                gemm(transB: true, m: rows, n: lk, k: d, alpha: scale, a: q, lda: width, b: keys, ldb: width, c: s, ldc: lk)
                if causal {
                    for r in 0..<rows where firstQuery + r + 1 < lk {
                        for j in (firstQuery + r + 1)..<lk { s[r * lk + j] = -.infinity }
                    }
                }
                softmaxRowsUnnormalized(s, rows: rows, cols: lk, stride: lk, inverseSums: inv)
                gemm(m: rows, n: d, k: lk, a: s, lda: lk, b: values, ldb: width, c: out, ldc: width)
                for r in 0..<rows {
                    let row = out + r * width
                    for t in 0..<d { row[t] *= inv[r] }
                }
            }
        }
    }

    /// `block` in bf16 on the transposed problem (see the type's comment).
    private mutating func transposedBlock(
        queries q: UnsafePointer<Float>, firstQuery: Int, rows: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let (lk, d, width, scale, causal) = (keyLength, headDim, width, scale, causal)
        scores.withUnsafeMutableBufferPointer { sp in
            inverseSums.withUnsafeMutableBufferPointer { ip in
                packedK.withUnsafeBufferPointer { pk in
                    packedVT.withUnsafeBufferPointer { pvt in
                        transposedOut.withUnsafeMutableBufferPointer { op in
                            let (st, inv, ot) = (sp.baseAddress!, ip.baseAddress!, op.baseAddress!)
                            lz_bf16_gemm(
                                Int32(lk), Int32(rows), Int32(d), .packed(pk.baseAddress!), .matrix(q, ld: width, transposed: true),
                                st, rows, 0, Int32(lk), 0, Int32(rows), 0, nil, nil)
                            if causal {
                                for j in 0..<lk where j > firstQuery {
                                    for r in 0..<min(rows, j - firstQuery) { st[j * rows + r] = -.infinity }
                                }
                            }
                            packedP.withUnsafeMutableBufferPointer { pp in
                                lz_softmax_columns_packed(st, Int32(lk), Int32(rows), rows, scale, inv, pp.baseAddress)
                                lz_bf16_gemm(
                                    Int32(d), Int32(rows), Int32(lk), .packed(pvt.baseAddress!, panelRows: valuePanelRows), .packed(pp.baseAddress!), ot,
                                    rows, 0, Int32(d), 0, Int32(rows), 0, nil, nil)
                            }
                            lz_transpose_scaled(ot, Int32(d), Int32(rows), rows, inv, out, width)
                        }
                    }
                }
            }
        }
    }
}

extension HeadAttention {
    /// `block` in fp32 on the transposed problem, the scores in panels of 32 queries (keys
    /// down, rows 32 apart) that the softmax turns into Pᵀ in place.
    fileprivate mutating func transposedFloat32Block(
        queries q: UnsafePointer<Float>, firstQuery: Int, rows: Int, into out: UnsafeMutablePointer<Float>
    ) {
        let (lk, d, width, scale, causal, valueRows) = (keyLength, headDim, width, scale, causal, valuePanelRows)
        scores.withUnsafeMutableBufferPointer { sp in
            inverseSums.withUnsafeMutableBufferPointer { ip in
                packedK32.withUnsafeBufferPointer { pk in
                    packedVT32.withUnsafeBufferPointer { pvt in
                        packedQ32.withUnsafeMutableBufferPointer { pq in
                            transposedOut.withUnsafeMutableBufferPointer { op in
                                let (st, inv, ot, qp) = (sp.baseAddress!, ip.baseAddress!, op.baseAddress!, pq.baseAddress!)
                                lz_f32_pack_panels(q, width, 0, Int32(rows), Int32(d), 32, qp)
                                for j0 in stride(from: 0, to: rows, by: 32) {
                                    let (columns, panel) = (min(32, rows - j0), st + j0 * lk)
                                    lz_f32_gemm_packed(Int32(lk), Int32(columns), Int32(d), pk.baseAddress, LZ_MR, qp + j0 * d, panel, 32)
                                    if causal {
                                        for key in 0..<lk where key > firstQuery + j0 {
                                            for j in 0..<min(columns, key - firstQuery - j0) { panel[key * 32 + j] = -.infinity }
                                        }
                                    }
                                    lz_f32_softmax_columns(panel, Int32(lk), Int32(columns), 32, scale, inv + j0)
                                }
                                lz_f32_gemm_packed(Int32(d), Int32(rows), Int32(lk), pvt.baseAddress, valueRows, st, ot, rows)
                                lz_transpose_scaled(ot, Int32(d), Int32(rows), rows, inv, out, width)
                            }
                        }
                    }
                }
            }
        }
    }
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
