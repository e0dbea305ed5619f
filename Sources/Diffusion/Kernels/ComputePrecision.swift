import CKernels

/// The number format of the weight GEMMs (convolutions and Linear layers). Everything else
/// (norms, softmax, activations, accumulation) stays fp32 either way.
public enum ComputePrecision: String, Sendable, CaseIterable {
    /// OpenBLAS sgemm on fp32 weights: matches diffusers in fp32 to about 1e-5.
    case float32
    /// Weights stored as bfloat16 (half the memory) and multiplied with bf16 activations
    /// into fp32 sums by our AVX512-BF16 kernel: about twice sgemm's rate, ~3 significant
    /// digits per product, as PyTorch's bf16 autocast.
    case bfloat16

    /// Whether this CPU can run `.bfloat16` (AVX512-BF16).
    public static let bfloat16IsSupported = lz_bf16_supported() != 0

    /// Whether this CPU runs this precision (fp32 always).
    public var isSupported: Bool { self == .float32 || Self.bfloat16IsSupported }

    /// The fastest precision this CPU runs.
    public static var fastest: ComputePrecision { bfloat16IsSupported ? .bfloat16 : .float32 }
}

/// x rounded to the nearest bfloat16 (ties to even), as the bf16 kernels round their
/// operands, kept in Float.
func roundedToBFloat16(_ x: [Float]) -> [Float] {
    x.map { v in
        let u = v.bitPattern
        return Float(bitPattern: (u &+ 0x7FFF &+ ((u >> 16) & 1)) & 0xFFFF_0000)
    }
}
