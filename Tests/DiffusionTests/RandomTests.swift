import Testing

@testable import Diffusion

/// torch.Generator("cpu").manual_seed(S); torch.randn(shape) twice, against torch's output.
@Suite struct RandomTests {
    @Test func randnMatchesTorchForEverySeedAndShape() throws {
        let f = try SafetensorsFile(path: fixtures + "/noise.safetensors")
        #expect(f.entries.count >= 30)
        for key in f.entries.keys.sorted() {
            let parts = key.split(separator: ".")
            let seed = try #require(UInt64(parts[1]))
            let count = parts[2].split(separator: "x").compactMap { Int($0) }.reduce(1, *)
            var g = TorchRandomSource(seed: seed)
            let ours = g.randn(count) + g.randn(count)
            expectClose(ours, try f.floats(key), relative: 2e-6, "randn \(key)")
        }
    }
}
