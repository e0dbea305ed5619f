import Dispatch
import Foundation
import Synchronization

/// Runs body(i) for i in 0..<count on the machine's cores. Used for the memory-bound
/// kernels (im2col, norms, softmax) between the multithreaded GEMMs; work items must
/// write disjoint memory.
@inline(__always)
func parallelFor(_ count: Int, work: Int = .max, _ body: (Int) -> Void) {
    // Dispatch costs microseconds: small tensors (the tiny test models) stay on one thread.
    if count <= 1 || cpuCount == 1 || work < 1 << 16 {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { b in
        let box = UncheckedSendable(value: b)
        DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
    }
}

/// Lets a non-escaping work closure into concurrentPerform; callers guarantee that
/// concurrent items touch disjoint memory.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
}

/// How many threads the engine's kernels split their work into (all cores by default).
var cpuCount: Int { engineThreads.load(ordering: .relaxed) }
private let engineThreads = Atomic<Int>(ProcessInfo.processInfo.activeProcessorCount)

/// Sets how many threads the engine's kernels (GEMMs included) split their work into.
public func setThreadCount(_ n: Int) {
    engineThreads.store(max(1, n), ordering: .relaxed)
}

/// Splits 0..<total into about `cpuCount` contiguous chunks (at least `minimum` each).
@inline(__always)
func parallelChunks(_ total: Int, minimum: Int = 1, work: Int = .max, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(cpuCount, total / max(minimum, 1)))
    let size = (total + chunks - 1) / chunks
    parallelFor(chunks, work: work) { c in
        let lo = c * size
        let hi = min(total, lo + size)
        if lo < hi { body(lo..<hi) }
    }
}

/// A pointer that may cross into `parallelFor` work items (each writes its own range).
struct SendablePointer<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
}

/// e^x for a SIMD vector, accurate to about 2 ulp (Cephes-style range reduction
/// x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial, exponent bits for 2^n). Inputs
/// below -87.3 give 0, which is what softmax needs for masked (-inf) scores.
/// Scalar form of the same computation, written without calls or generic SIMD so that
/// loops over it vectorise.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let c = x > 88.3 ? 88.3 : (x < -87.3 ? -87.3 : x)
    let t = c * 1.442695040888963 + 12_582_912
    let n = t - 12_582_912
    let r = c - n * 0.693359375 + n * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * r * r + r + 1
    let bits = (Int32(bitPattern: t.bitPattern) &- 0x4B40_0000 &+ 127) &<< 23
    let v = y * Float(bitPattern: UInt32(bitPattern: bits))
    return x < -87.3 ? 0 : v
}

@inline(__always)
func fastExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // Rounding and the float→int step use the 1.5·2^23 "magic number" so that no generic
    // (slow) SIMD conversion is involved.
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
    let t = clamped * 1.442695040888963 + magic
    let n = t - magic
    let r = clamped - n * 0.693359375 + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * r * r + r + 1
    let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let bits = (ni &+ 127) &<< 23
    let scaled = y * unsafeBitCast(bits, to: SIMD8<Float>.self)
    return scaled.replacing(with: 0, where: x .< -87.3)
}
