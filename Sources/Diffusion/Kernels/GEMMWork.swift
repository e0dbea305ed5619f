import CKernels
import Dispatch
import Synchronization

/// Floating-point operations done in GEMMs (2·m·n·k per product), counted so that a
/// benchmark can say what rate the models reach against the machine's GEMM ceiling.
public enum GEMMWork {
    static let counter = Atomic<Int>(0)

    @inline(__always)
    static func add(m: Int, n: Int, k: Int) {
        counter.add(2 * m * n * k, ordering: .relaxed)
    }

    /// Operations counted since the process started.
    public static var flops: Int { counter.load(ordering: .relaxed) }

    /// The machine's GEMM rate in GFLOP/s on a large convolution-shaped product (1280 ×
    /// 4096 × 2880, the U-Net's 3×3 convolutions at its widest): OpenBLAS sgemm for fp32,
    /// our kernel for bf16 (its weight operand packed in advance, as the layers keep it).
    public static func ceiling(_ precision: ComputePrecision, repeats: Int = 3) -> Double {
        let (m, n, k) = (1280, 4096, 2880)
        var g = TorchRandomSource(seed: 3)
        let w = WeightMatrix(g.randn(m * k), rows: m, columns: k, role: .left, precision: precision)
        let b = g.randn(k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = Double.infinity
        for _ in 0...repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    multiply(w, bp.baseAddress!, ldb: n, n: n, into: cp.baseAddress!, ldc: n, accumulate: false)
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(m * n * k) / best / 1e9
    }
}
