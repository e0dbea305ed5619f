import Foundation

/// A random number generator whose every choice follows from one seed, so a test that
/// makes random choices can be replayed: the seed comes from `LIENZO_TEST_SEED` when it
/// is set, else it is drawn, and `announce` prints it with the way to replay it.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// The seed from `LIENZO_TEST_SEED` (decimal), or a fresh one; printed either way.
    public static func fromEnvironment(_ test: String) -> SeededRandom {
        let variable = "LIENZO_TEST_SEED"
        let given = ProcessInfo.processInfo.environment[variable].flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        let generator = SeededRandom(seed: given ?? UInt64.random(in: 0...UInt64.max))
        print("SEED \(test): \(generator.seed) (\(given == nil ? "drawn" : "from \(variable)"); "
            + "replay with \(variable)=\(generator.seed))")
        return generator
    }

    /// SplitMix64.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
