/// A (rows × width) lookup table, such as CLIP's 49408-token embedding: fp32, or in bf16
/// (rounded to nearest even, as the GEMM kernel rounds its operands) when the model runs in
/// bf16, which halves SD 1.5's 152 MB table, as PyTorch's `pipe.to(torch.bfloat16)` does.
struct EmbeddingTable: Sendable {
    let width: Int
    private let float32: [Float]
    private let bfloat16: [UInt16]

    init(_ values: [Float], width: Int, precision: ComputePrecision) {
        self.width = width
        if precision == .bfloat16 {
            float32 = []
            bfloat16 = values.map { v in
                let bits = v.bitPattern
                return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
            }
        } else {
            float32 = values
            bfloat16 = []
        }
    }

    /// Entry j of row `row`.
    @inline(__always)
    subscript(row: Int, j: Int) -> Float {
        float32.isEmpty ? Float(bitPattern: UInt32(bfloat16[row * width + j]) << 16) : float32[row * width + j]
    }
}
