import Testing

@testable import Diffusion

/// The per-sample low-rank terms against a naive merge: in one batch, a sample with a LoRA
/// gets x·(W + w·alpha/r·up·down)ᵀ + b, a sample without it gets x·Wᵀ + b exactly.
@Suite struct LoraKernelTests {
    @Test func linearLayerAppliesEachSamplesLoraToItsOwnRows() throws {
        let (inF, outF, rank, rows) = (12, 10, 3, 5)
        let layer = try Linear(WeightStore(randomSeed: 7), "layer", inF, outF)
        let down = testData(rank * inF, seed: 1)
        let up = testData(outF * rank, seed: 2)
        let update = try LoraUpdate(down: down, downShape: [rank, inF], up: up, upShape: [outF, rank], scale: { 1.5 / Float($0) }, layer: [outF, inF])
        let x = testData(3 * rows * inF, seed: 3)  // three samples
        let weight = 0.7 * update.scale
        let batch = LoraBatch(terms: ["layer": [.init(samples: [1], update: update, multiplier: weight)]], samples: 3)
        let y = LoraBatch.$active.withValue(batch) { layer(x) }

        let base = layer.weight.float32
        var merged = base
        for o in 0..<outF {
            for i in 0..<inF {
                var s: Float = 0
                for r in 0..<rank { s += up[o * rank + r] * down[r * inF + i] }
                merged[o * inF + i] += weight * s
            }
        }
        for sample in 0..<3 {
            let xs = Array(x[(sample * rows * inF)..<((sample + 1) * rows * inF)])
            let expected = linearReference(xs, rows: rows, weight: sample == 1 ? merged : base, bias: layer.bias, inFeatures: inF, outFeatures: outF)
            let got = Array(y[(sample * rows * outF)..<((sample + 1) * rows * outF)])
            expectClose(got, expected, shape: [rows, outF], expectedShape: [rows, outF], relative: 1e-5, "sample \(sample)")
        }
    }

    @Test func convolutionLayerAppliesALoConUpdate() throws {
        let (c, oc, rank, h, w) = (4, 6, 2, 5, 7)
        let layer = try Conv2d(WeightStore(randomSeed: 9), "conv", c, oc, kernel: 3)
        let down = testData(rank * c * 9, seed: 4)
        let up = testData(oc * rank, seed: 5)
        let update = try LoraUpdate(down: down, downShape: [rank, c, 3, 3], up: up, upShape: [oc, rank, 1, 1], scale: { _ in 1 }, layer: [oc, c, 3, 3])
        let x = Tensor(shape: [2, c, h, w], data: testData(2 * c * h * w, seed: 6))
        let batch = LoraBatch(terms: ["conv": [.init(samples: [0], update: update, multiplier: -1.25)]], samples: 2)
        let y = LoraBatch.$active.withValue(batch) { layer(x) }

        // the layer's own weights, as the same seeded store gave them (a Winograd layer keeps
        // only their transforms)
        var merged = try WeightStore(randomSeed: 9).tensor("conv.weight", shape: [oc, c, 3, 3])
        for o in 0..<oc {
            for j in 0..<(c * 9) {
                var s: Float = 0
                for r in 0..<rank { s += up[o * rank + r] * down[r * c * 9 + j] }
                merged[o * c * 9 + j] += -1.25 * s
            }
        }
        let mergedWeight = WeightMatrix(merged, rows: oc, columns: c * 9, role: .left, precision: .float32)
        let expected0 = conv2d(x.slice(0..<1).data, n: 1, c: c, h: h, w: w, weight: mergedWeight, bias: layer.bias, kernel: 3, stride: 1, padding: 1).data
        let expected1 = layer(x.slice(1..<2))
        let per = expected0.count
        expectClose(Array(y.data[0..<per]), expected0, shape: [per], expectedShape: [per], relative: 1e-5, "sample with LoCon")
        // The other sample is the base layer's (the batched convolution rounds differently by an ulp or so).
        expectClose(Array(y.data[per...]), expected1.data, shape: [per], expectedShape: [per], relative: 1e-6, "sample without LoRA")
    }

    @Test func shapesThatDoNotFitTheLayerAreRefused() {
        #expect(throws: LoraShapeError.self) {
            try LoraUpdate(down: testData(8, seed: 1), downShape: [2, 4], up: testData(6, seed: 2), upShape: [3, 2], scale: { _ in 1 }, layer: [3, 5])
        }
    }

    @Test func sha256MatchesKnownDigests() {
        var empty = SHA256()
        #expect(empty.hexDigest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update(Array("abc".utf8))
        #expect(abc.hexDigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var long = SHA256()  // crosses block boundaries in uneven pieces
        let text = Array(String(repeating: "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", count: 3).utf8)
        long.update(Array(text[0..<5]))
        long.update(Array(text[5..<100]))
        long.update(Array(text[100...]))
        var whole = SHA256()
        whole.update(text)
        #expect(long.hexDigest() == whole.hexDigest())
        var two = SHA256()
        two.update(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(two.hexDigest() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
