import CKernels

// The products of a weight matrix with activations, in whichever precision the weight was
// loaded: OpenBLAS for fp32, our bf16 kernel for bf16, both split across the cores.

/// C (w.rows × n) (+)= W · B + bias for row-major B (w.columns × n, row stride ldb); the
/// bias (w.rows values, or none) is added to each row, as a convolution's per channel.
func multiply(
    _ w: WeightMatrix, _ b: UnsafePointer<Float>, ldb: Int, n: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, bias: [Float] = []
) {
    precondition(w.role == .left)
    guard w.isPacked else {
        let accumulate = prepareForFloat32(c, rows: w.rows, columns: n, ldc: ldc, accumulate: accumulate, rowBias: bias)
        w.float32.withUnsafeBufferPointer { wp in
            parallelGEMM(m: w.rows, n: n, k: w.columns, a: wp.baseAddress!, lda: w.columns, b: b, ldb: ldb,
                         beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        }
        return
    }
    w.packed.withUnsafeBufferPointer { wp in
        bias.withUnsafeBufferPointer { bp in
            bf16GEMM(m: w.rows, n: n, k: w.columns, a: .packed(wp.baseAddress!), b: .matrix(b, ld: ldb), c: c, ldc: ldc,
                     accumulate: accumulate, rowBias: bias.isEmpty ? nil : bp.baseAddress)
        }
    }
}

/// C (w.rows × n) (+)= W · B + bias for B the unfolded columns of a stride-1 convolution's
/// input image, which the bf16 kernel reads straight from the image (w must be packed).
func multiply(
    _ w: WeightMatrix, convolving image: inout lz_conv_image, n: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, bias: [Float] = []
) {
    precondition(w.role == .left && w.isPacked)
    w.packed.withUnsafeBufferPointer { wp in
        bias.withUnsafeBufferPointer { bp in
            withUnsafePointer(to: &image) { ip in
                bf16GEMM(m: w.rows, n: n, k: w.columns, a: .packed(wp.baseAddress!), b: .convolution(ip), c: c, ldc: ldc,
                         accumulate: accumulate, rowBias: bias.isEmpty ? nil : bp.baseAddress)
            }
        }
    }
}

/// C (m × w.rows) (+)= A · Wᵀ + bias for row-major A (m × w.columns, row stride lda); the
/// bias (w.rows values, or none) is added to each row of C, as a Linear layer's.
func multiply(
    _ a: UnsafePointer<Float>, lda: Int, m: Int, transposed w: WeightMatrix, into c: UnsafeMutablePointer<Float>,
    ldc: Int, accumulate: Bool, bias: [Float] = []
) {
    precondition(w.role == .transposedRight)
    guard w.isPacked else {
        let accumulate = prepareForFloat32(c, rows: m, columns: w.rows, ldc: ldc, accumulate: accumulate, columnBias: bias)
        w.float32.withUnsafeBufferPointer { wp in
            parallelGEMM(transB: true, m: m, n: w.rows, k: w.columns, a: a, lda: lda, b: wp.baseAddress!,
                         ldb: w.columns, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        }
        return
    }
    w.packed.withUnsafeBufferPointer { wp in
        bias.withUnsafeBufferPointer { bp in
            bf16GEMM(m: m, n: w.rows, k: w.columns, a: .matrix(a, ld: lda), b: .packed(wp.baseAddress!), c: c, ldc: ldc,
                     accumulate: accumulate, columnBias: bias.isEmpty ? nil : bp.baseAddress)
        }
    }
}

/// sgemm has no bias: C (rows × columns) gets it first, or after the product when the
/// product is added to what C holds. Returns whether the GEMM must accumulate.
private func prepareForFloat32(
    _ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldc: Int, accumulate: Bool, rowBias: [Float] = [],
    columnBias: [Float] = []
) -> Bool {
    if rowBias.isEmpty && columnBias.isEmpty { return accumulate }
    for r in 0..<rows {
        let row = c + r * ldc
        for j in 0..<columns {
            let v = rowBias.isEmpty ? columnBias[j] : rowBias[r]
            row[j] = accumulate ? row[j] + v : v
        }
    }
    return true
}

/// Runs `lz_bf16_gemm` on the cores, each on its own slab of C: columns when C is wider
/// than tall, rows otherwise (slab edges on the kernel's panel sizes).
func bf16GEMM(
    m: Int, n: Int, k: Int, a: lz_bf16_operand, b: lz_bf16_operand, c: UnsafeMutablePointer<Float>, ldc: Int,
    accumulate: Bool, rowBias: UnsafePointer<Float>? = nil, columnBias: UnsafePointer<Float>? = nil
) {
    GEMMWork.add(m: m, n: n, k: k)
    let byColumns = n >= m
    let out = SendablePointer(p: c)
    let operands = UncheckedSendable(value: (a, b, rowBias, columnBias))
    let rowPanel = Int(a.packed != nil && a.panel_rows != 0 ? a.panel_rows : LZ_MR)
    splitIntoSlabs(extent: byColumns ? n : m, panel: byColumns ? Int(LZ_NR) : rowPanel, work: m * n * k) { lo, hi in
        let (a, b, rowBias, columnBias) = operands.value
        if byColumns {
            lz_bf16_gemm(Int32(m), Int32(n), Int32(k), a, b, out.p, ldc, 0, Int32(m), Int32(lo), Int32(hi), accumulate ? 1 : 0,
                         rowBias, columnBias)
        } else {
            lz_bf16_gemm(Int32(m), Int32(n), Int32(k), a, b, out.p, ldc, Int32(lo), Int32(hi), 0, Int32(n), accumulate ? 1 : 0,
                         rowBias, columnBias)
        }
    }
}

extension lz_bf16_operand {
    /// An operand packed whole in advance (`lz_bf16_pack_*`; an A packed in panels of other
    /// than LZ_MR rows says how many).
    static func packed(_ words: UnsafePointer<UInt32>, panelRows: Int32 = LZ_MR) -> lz_bf16_operand {
        precondition([LZ_MR, 10, 8].contains(panelRows), "the kernel has panels of 12, 10 or 8 rows")
        return lz_bf16_operand(packed: words, data: nil, ld: 0, transposed: 0, convolution: nil, panel_rows: panelRows)
    }

    /// A row-major fp32 matrix packed on the fly; `transposed`: B given as Bᵀ.
    static func matrix(_ data: UnsafePointer<Float>, ld: Int, transposed: Bool = false) -> lz_bf16_operand {
        lz_bf16_operand(packed: nil, data: data, ld: ld, transposed: transposed ? 1 : 0, convolution: nil, panel_rows: 0)
    }

    /// A convolution's input image, unfolded on the fly (B only).
    static func convolution(_ image: UnsafePointer<lz_conv_image>) -> lz_bf16_operand {
        lz_bf16_operand(packed: nil, data: nil, ld: 0, transposed: 0, convolution: image, panel_rows: 0)
    }
}
