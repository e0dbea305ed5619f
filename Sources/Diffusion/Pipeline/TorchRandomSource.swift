import Foundation

/// Reproduces `torch.Generator("cpu").manual_seed(seed)` followed by `torch.randn(...)` in
/// float32, so that a seed gives diffusers' initial latents and ancestral noise.
///
/// torch's CPU generator is a 32-bit Mersenne Twister (mt19937) seeded with the low 32
/// bits. `randn` then takes one of two paths (aten/src/ATen/native/cpu/DistributionTemplates.h):
/// - 16 or more elements (`normal_fill`): fill every element with a float uniform
///   (24 random bits / 2^24), then Box-Muller in blocks of 16: element j and j+8 of each
///   block come from u1 = 1 - data[j], u2 = data[j+8]; a count that is not a multiple of
///   16 redoes the last 16 elements with 16 fresh uniforms.
/// - fewer than 16 (`normal_distribution<double>`): one double Box-Muller pair per two
///   values from 53-bit uniforms, the second value cached in the generator for the next call.
public struct TorchRandomSource: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624
    private var cachedNormal: Double?

    public init(seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
        index = 624
    }

    mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7fff_ffff)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_b0df }
            state[i] = v
        }
        index = 0
    }

    /// uniform_real_distribution<float>(0, 1)
    mutating func uniformFloat() -> Float { Float(nextUInt32() & 0xff_ffff) / Float(1 << 24) }

    /// uniform_real_distribution<double>(0, 1) from random64() = (hi << 32) | lo
    mutating func uniformDouble() -> Double {
        let hi = UInt64(nextUInt32())
        let lo = UInt64(nextUInt32())
        return Double(((hi << 32) | lo) & ((1 << 53) - 1)) / Double(UInt64(1) << 53)
    }

    /// normal_distribution<double>(0, 1)
    mutating func normalDouble() -> Double {
        if let c = cachedNormal {
            cachedNormal = nil
            return c
        }
        let u1 = uniformDouble()
        let u2 = uniformDouble()
        let r = (-2 * Foundation.log1p(-u2)).squareRoot()
        let theta = 2 * Double.pi * u1
        cachedNormal = r * Foundation.sin(theta)
        return r * Foundation.cos(theta)
    }

    /// torch.randn(count) in float32.
    public mutating func randn(_ count: Int) -> [Float] {
        if count < 16 { return (0..<count).map { _ in Float(normalDouble()) } }
        var data = (0..<count).map { _ in uniformFloat() }
        data.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }
            var i = 0
            while i + 16 <= count {
                Self.boxMuller16(base + i)
                i += 16
            }
        }
        if count % 16 != 0 {
            let start = count - 16
            for j in 0..<16 { data[start + j] = uniformFloat() }
            data.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                Self.boxMuller16(base + start)
            }
        }
        return data
    }

    private static func boxMuller16(_ d: UnsafeMutablePointer<Float>) {
        for j in 0..<8 {
            let u1 = 1 - d[j]
            let u2 = d[j + 8]
            let radius = (-2 * logf(u1)).squareRoot()
            let theta = Float(2.0 * Double.pi * Double(u2))
            d[j] = radius * cosf(theta)
            d[j + 8] = radius * sinf(theta)
        }
    }
}
