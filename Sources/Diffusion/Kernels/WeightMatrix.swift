import CKernels

/// A layer's (rows × columns) weight matrix kept in the form its GEMM reads: fp32 for
/// OpenBLAS, or packed into bf16 pairs once at load time for `lz_bf16_gemm`, in the panel
/// order of the side of the product it sits on.
struct WeightMatrix: Sendable {
    /// Which side of the product the weight sits on, which fixes how bf16 packs it.
    enum Role: Sendable {
        /// W · X, as a convolution's (outChannels × inChannels·k·k) weight over im2col columns.
        case left
        /// X · Wᵀ, as a Linear layer's (outFeatures × inFeatures) weight.
        case transposedRight
    }

    let rows: Int
    let columns: Int
    let role: Role
    /// Row-major fp32; empty when packed.
    let float32: [Float]
    /// bf16 pairs in `lz_bf16_gemm`'s panel order; empty when fp32. For a Winograd weight,
    /// here or in `float32`, its sixteen transformed matrices (`lz_winograd_transform_weights*`).
    let packed: [UInt32]
    /// A 3×3 convolution's weight held only as Winograd F(2×2, 3×3) transforms: the
    /// layer runs `winogradConv2d`, and the plain weight is not kept.
    let isWinograd: Bool

    /// `winograd`: keep a (out, in·9) 3×3 convolution weight in Winograd form.
    init(_ values: [Float], rows: Int, columns: Int, role: Role, precision: ComputePrecision, winograd: Bool = false) {
        self.rows = rows
        self.columns = columns
        self.role = role
        precondition(!winograd || (role == .left && columns % 9 == 0), "a Winograd weight is a 3×3 convolution's")
        isWinograd = winograd
        guard precision == .bfloat16 else {
            packed = []
            guard winograd else {
                float32 = values
                return
            }
            let inputs = columns / 9
            float32 = [Float](unsafeUninitializedCapacity: 16 * rows * inputs) { out, count in
                values.withUnsafeBufferPointer { lz_winograd_transform_weights_f32($0.baseAddress, Int32(rows), Int32(inputs), out.baseAddress) }
                count = 16 * rows * inputs
            }
            return
        }
        precondition(precision.isSupported, "bfloat16 weights need a CPU with AVX512-BF16")
        float32 = []
        if winograd {
            let inputs = columns / 9
            let words = lz_winograd_weight_words(Int32(rows), Int32(inputs))
            packed = [UInt32](unsafeUninitializedCapacity: words) { out, count in
                values.withUnsafeBufferPointer { lz_winograd_transform_weights($0.baseAddress, Int32(rows), Int32(inputs), out.baseAddress) }
                count = words
            }
            return
        }
        packed = values.withUnsafeBufferPointer { v in
            let words = role == .left ? lz_bf16_packed_a_words(Int32(rows), Int32(columns))
                : lz_bf16_packed_b_words(Int32(rows), Int32(columns))
            return [UInt32](unsafeUninitializedCapacity: words) { out, count in
                switch role {
                case .left: lz_bf16_pack_a(v.baseAddress, columns, Int32(rows), Int32(columns), out.baseAddress)
                case .transposedRight: lz_bf16_pack_b_transposed(v.baseAddress, columns, Int32(rows), Int32(columns), out.baseAddress)
                }
                count = words
            }
        }
    }

    var isPacked: Bool { !packed.isEmpty }
}
