import Dispatch
import Synchronization

/// Where a model call's time goes, by kind of layer: seconds and GEMM operations per kind,
/// so that a benchmark can say which layers reach what rate against the GEMM ceiling.
/// Off unless a benchmark turns it on; then each layer call costs two clock reads.
public enum KernelProfile {
    /// The kinds of layer the engine times separately.
    public enum Kind: Int, CaseIterable, Sendable {
        case convolution3x3, convolution1x1, linear, attention, groupNorm, layerNorm, geglu

        public var name: String {
            switch self {
            case .convolution3x3: "conv 3×3"
            case .convolution1x1: "conv 1×1"
            case .linear: "linear"
            case .attention: "attention (QKᵀ, softmax, PV)"
            case .groupNorm: "group norm (+SiLU)"
            case .layerNorm: "layer norm"
            case .geglu: "GEGLU gate"
            }
        }
    }

    /// One kind's totals since the last `reset`.
    public struct Entry: Sendable {
        public let kind: Kind
        public let seconds: Double
        public let flops: Double
        public let calls: Int
    }

    private struct Totals {
        var nanoseconds = [Int](repeating: 0, count: Kind.allCases.count)
        var flops = [Int](repeating: 0, count: Kind.allCases.count)
        var calls = [Int](repeating: 0, count: Kind.allCases.count)
    }

    private static let enabled = Atomic<Bool>(false)
    // layer calls are a few hundred per U-Net call: a lock costs nothing measurable
    private static let totals = Mutex(Totals())

    /// Starts (or stops) timing layers; starting clears the totals.
    public static func record(_ on: Bool) {
        if on { reset() }
        enabled.store(on, ordering: .relaxed)
    }

    public static func reset() {
        totals.withLock { $0 = Totals() }
    }

    /// The totals of every kind that ran.
    public static var entries: [Entry] {
        let t = totals.withLock { $0 }
        return Kind.allCases.compactMap { kind in
            let i = kind.rawValue
            guard t.calls[i] > 0 else { return nil }
            return Entry(kind: kind, seconds: Double(t.nanoseconds[i]) / 1e9, flops: Double(t.flops[i]), calls: t.calls[i])
        }
    }

    /// Runs body, adding its time and GEMM operations to `kind` when recording. Layers
    /// nest (attention calls linear layers): callers time only the innermost kernels.
    @inline(__always)
    static func measure<T>(_ kind: Kind, _ body: () throws -> T) rethrows -> T {
        guard enabled.load(ordering: .relaxed) else { return try body() }
        let flopsBefore = GEMMWork.flops
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        let elapsed = Int(DispatchTime.now().uptimeNanoseconds - start)
        let flops = GEMMWork.flops - flopsBefore
        totals.withLock {
            $0.nanoseconds[kind.rawValue] += elapsed
            $0.flops[kind.rawValue] += flops
            $0.calls[kind.rawValue] += 1
        }
        return result
    }
}
