import CKernels
import Foundation
import Testing

@testable import Diffusion

/// The bf16 path: the kernel must compute exactly the fp32 sum of products of bf16-rounded
/// operands (so it is checked tightly against a reference on rounded inputs), and whole
/// models in bf16 must stay near diffusers' fp32 outputs.
@Suite(.enabled(if: ComputePrecision.bfloat16IsSupported, "this CPU has no AVX512-BF16"))
struct BFloat16Tests {
    /// Odd sizes, so that every edge (partial panels, an odd k) is crossed; more than one
    /// k block (k > 2048, cut into equal blocks) and more than one column block (n > 128).
    static let shapes = [(1, 1, 1), (13, 37, 5), (29, 70, 301), (40, 600, 33), (97, 17, 515), (14, 45, 2101)]

    @Test(arguments: shapes)
    func weightOnTheLeftMatchesRoundedReference(m: Int, n: Int, k: Int) {
        let w = testData(m * k, seed: 40)
        let b = testData(k * n, seed: 41)
        let start = testData(m * n, seed: 42)
        let bias = testData(m, seed: 59)
        let matrix = WeightMatrix(w, rows: m, columns: k, role: .left, precision: .bfloat16)
        var c = start
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                multiply(matrix, bp.baseAddress!, ldb: n, n: n, into: cp.baseAddress!, ldc: n, accumulate: true, bias: bias)
            }
        }
        let product = gemmReference(m: m, n: n, k: k, a: roundedToBFloat16(w), b: roundedToBFloat16(b))
        let expected = product.indices.map { product[$0] + start[$0] + bias[$0 / n] }
        expectClose(c, expected, relative: 1e-5, "W·B + C + row bias, \(m)×\(n)×\(k)")
    }

    @Test(arguments: shapes)
    func weightTransposedOnTheRightMatchesRoundedReference(m: Int, n: Int, k: Int) {
        let x = testData(m * k, seed: 43)
        let w = testData(n * k, seed: 44)
        let bias = testData(n, seed: 60)
        let matrix = WeightMatrix(w, rows: n, columns: k, role: .transposedRight, precision: .bfloat16)
        var c = [Float](repeating: .nan, count: m * n)
        x.withUnsafeBufferPointer { xp in
            c.withUnsafeMutableBufferPointer { cp in
                multiply(xp.baseAddress!, lda: k, m: m, transposed: matrix, into: cp.baseAddress!, ldc: n, accumulate: false, bias: bias)
            }
        }
        let wT = (0..<(k * n)).map { i in w[(i % n) * k + i / n] }
        let product = gemmReference(m: m, n: n, k: k, a: roundedToBFloat16(x), b: roundedToBFloat16(wT))
        expectClose(c, product.indices.map { product[$0] + bias[$0 % n] }, relative: 1e-5, "X·Wᵀ + column bias, \(m)×\(n)×\(k)")
    }

    /// Both operands packed on the fly, B read as given and read transposed (attention's two products).
    @Test(arguments: shapes)
    func unpackedOperandsMatchRoundedReference(m: Int, n: Int, k: Int) {
        let a = testData(m * k, seed: 45)
        let b = testData(k * n, seed: 46)
        let bT = (0..<(n * k)).map { i in b[(i % k) * n + i / k] }
        let expected = gemmReference(m: m, n: n, k: k, a: roundedToBFloat16(a), b: roundedToBFloat16(b))
        for (data, ld, transposed) in [(b, n, Int32(0)), (bT, k, Int32(1))] {
            var c = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { ap in
                data.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        bf16GEMM(
                            m: m, n: n, k: k, a: .matrix(ap.baseAddress!, ld: k),
                            b: .matrix(bp.baseAddress!, ld: ld, transposed: transposed != 0),
                            c: cp.baseAddress!, ldc: n, accumulate: false)
                    }
                }
            }
            expectClose(c, expected, relative: 1e-5, "A·B, B transposed: \(transposed), \(m)×\(n)×\(k)")
        }
    }

    /// A packed in panels of 10 and 8 rows (attention's Vᵀ), split between the cores by
    /// rows: every panel height gives the same exact sums, ragged last panels included.
    @Test(arguments: [(40, 70, 301), (23, 45, 37), (64, 33, 2101)], [8, 10, 12])
    func packedAInNarrowerPanelsMatchesRoundedReference(shape: (m: Int, n: Int, k: Int), panelRows: Int) {
        let (m, n, k) = shape
        let a = testData(m * k, seed: 61)
        let b = testData(k * n, seed: 62)
        var packed = [UInt32](repeating: .max, count: lz_bf16_packed_a_panel_words(Int32(m), Int32(k), Int32(panelRows)))
        lz_bf16_pack_a_panels(a, k, Int32(m), Int32(k), Int32(panelRows), &packed)
        var c = [Float](repeating: .nan, count: m * n)
        packed.withUnsafeBufferPointer { pp in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    bf16GEMM(m: m, n: n, k: k, a: .packed(pp.baseAddress!, panelRows: Int32(panelRows)),
                             b: .matrix(bp.baseAddress!, ld: n), c: cp.baseAddress!, ldc: n, accumulate: false)
                }
            }
        }
        let expected = gemmReference(m: m, n: n, k: k, a: roundedToBFloat16(a), b: roundedToBFloat16(b))
        expectClose(c, expected, relative: 1e-5, "A in panels of \(panelRows) · B, \(m)×\(n)×\(k)")
    }

    /// Attention's heads get the panel height that pads them least.
    @Test func panelRowsPadHeadsLeast() {
        #expect([40, 80, 160, 64, 16, 12, 24, 1].map { lz_bf16_panel_rows(Int32($0)) } == [10, 10, 10, 8, 8, 12, 12, 8])
    }

    @Test func linearMatchesRoundedReference() {
        let (oc, bias) = (6, testData(6, seed: 49))
        let lw = testData(oc * 19, seed: 50)
        let lx = testData(11 * 19, seed: 51)
        let y = linear(lx, rows: 11, weight: WeightMatrix(lw, rows: oc, columns: 19, role: .transposedRight, precision: .bfloat16), bias: bias)
        let yRef = linearReference(roundedToBFloat16(lx), rows: 11, weight: roundedToBFloat16(lw), bias: bias, inFeatures: 19, outFeatures: oc)
        expectClose(y, yRef, relative: 1e-5, "bf16 linear")
    }

    /// Each convolution path: small images side by side (2×9×7), and images whose output
    /// rows are whole panels as implicit GEMM (the image unfolded while packed), however
    /// small the batch: every tap, the padding on all four sides, a second image, no bias.
    /// (Under 64 tiles: from there a bf16 3×3 layer runs as Winograd, see WinogradTests; 64
    /// wide, a panel starts mid-row.)
    @Test(arguments: [(2, 5, 9, 7, 6, true), (2, 3, 5, 32, 7, true), (1, 9, 6, 32, 13, false), (1, 9, 2, 64, 13, false)])
    func convolutionMatchesRoundedReference(n: Int, c: Int, h: Int, w: Int, oc: Int, withBias: Bool) {
        let x = testData(n * c * h * w, seed: 56)
        let wt = testData(oc * c * 9, seed: 57)
        let bias = withBias ? testData(oc, seed: 58) : []
        let conv = conv2d(
            x, n: n, c: c, h: h, w: w, weight: WeightMatrix(wt, rows: oc, columns: c * 9, role: .left, precision: .bfloat16),
            bias: bias, kernel: 3, stride: 1, padding: 1)
        let expected = conv2dReference(
            roundedToBFloat16(x), n: n, c: c, h: h, w: w, weight: roundedToBFloat16(wt), bias: bias, outChannels: oc, kernel: 3,
            stride: 1, padding: 1)
        expectClose(conv.data, expected, relative: 1e-5, "bf16 conv2d \(n)×\(c)×\(h)×\(w) → \(oc)")
    }

    /// Rounded scores and probabilities make bf16 attention approximate, as PyTorch's bf16 is;
    /// it must still be close to the exact result, for self- and cross-attention shapes.
    @Test(arguments: [(70, 70, 2, 40, false), (33, 77, 3, 16, false), (70, 70, 2, 40, true)])
    func attentionIsCloseToReference(lq: Int, lk: Int, heads: Int, d: Int, causal: Bool) {
        let batch = 2
        let q = testData(batch * lq * heads * d, seed: 52)
        let k = testData(batch * lk * heads * d, seed: 53)
        let v = testData(batch * lk * heads * d, seed: 54)
        let fast = attention(
            q: q, k: k, v: v, batch: batch, queryLength: lq, keyLength: lk, heads: heads, headDim: d, causal: causal,
            precision: .bfloat16, blockRows: 16)
        let exact = attentionReference(
            q: q, k: k, v: v, batch: batch, queryLength: lq, keyLength: lk, heads: heads, headDim: d, causal: causal)
        expectClose(fast, exact, relative: 2e-2, "bf16 attention \(lq)×\(lk), causal: \(causal)")
    }

    /// Down the columns, as bf16 attention holds its scores, packed as P·V's B operand: more
    /// than one panel of 32 columns, a ragged last panel, an odd number of rows, and a
    /// column masked out entirely.
    @Test func columnSoftmaxPacksRoundedProbabilities() {
        let (rows, cols) = (37, 70)
        var x = testData(rows * cols, seed: 55).map { $0 * 4 }
        for r in 0..<rows { x[r * cols + 69] = -.infinity }
        let transposed = (0..<(rows * cols)).map { i in x[(i % rows) * cols + i / rows] }  // (cols × rows)
        let expected = softmaxReference(transposed.map { $0 * 0.5 }, rows: cols - 1, cols: rows)
        var inverseSums = [Float](repeating: 0, count: cols)
        var packed = [UInt32](repeating: .max, count: lz_bf16_packed_b_words(Int32(cols), Int32(rows)))
        lz_softmax_columns_packed(x, Int32(rows), Int32(cols), cols, 0.5, &inverseSums, &packed)
        let pairs = (rows + 1) / 2
        func unpacked(_ r: Int, _ c: Int) -> Float {
            let word = packed[(c / 32) * pairs * 32 + (r / 2) * 32 + c % 32]
            return Float(bitPattern: (r % 2 == 0 ? word & 0xFFFF : word >> 16) << 16)
        }
        let normalised = (0..<((cols - 1) * rows)).map { i in unpacked(i % rows, i / rows) * inverseSums[i / rows] }
        expectClose(normalised, Array(expected.prefix((cols - 1) * rows)), relative: 1e-2, "packed column softmax")
        // the sums are of the fp32 exponentials, before rounding: as close as the polynomial's 8e-5
        let sums = (0..<(cols - 1)).map { c -> Float in
            let column = (0..<rows).map { Double(x[$0 * cols + c]) * 0.5 }
            let top = column.max()!
            return Float(1 / column.reduce(0) { $0 + Foundation.exp($1 - top) })
        }
        expectClose(Array(inverseSums.prefix(cols - 1)), sums, relative: 2e-4, "1/Σ of the column softmax")
        #expect((0..<rows).allSatisfy { unpacked($0, 69) == 0 }, "a masked-out column gives zeros")
        #expect((0..<cols).allSatisfy { unpacked(rows, $0) == 0 }, "the odd row's pair partner is zero")
    }

    /// The tiny U-Net and VAE in bf16 against diffusers' fp32 outputs: within a few percent
    /// of the output's scale at worst (the U-Net measured 3.2%, relative RMS 2%), and not
    /// the fp32 result itself (the bf16 path really ran).
    @Test func tinyModelsInBFloat16StayCloseToDiffusers() throws {
        let model = try StableDiffusionModel.load(path: fixtures + "/sd1-tiny", precision: .bfloat16)
        let refs = "refs-sd1.safetensors"
        let ids = try reference(refs, "text.input_ids")
        let rows = (0..<ids.shape[0]).map { r in (0..<ids.shape[1]).map { Int(ids.data[r * ids.shape[1] + $0]) } }
        let states = try model.textEncoder(rows)
        let expectedStates = try reference(refs, "text.last_hidden_state")
        expectClose(states.data, expectedStates.data, shape: states.shape, expectedShape: expectedStates.shape, relative: 2e-2, "bf16 text encoder")
        #expect(zip(states.data, expectedStates.data).contains { abs($0 - $1) > 1e-5 * max(1, abs($1)) }, "bf16 text states equal fp32's")
        let (out, expected) = try unetOnReferenceInputs(model, refs)
        expectClose(out.data, expected.data, shape: out.shape, expectedShape: expected.shape, relative: 5e-2, "bf16 U-Net")
        #expect(zip(out.data, expected.data).contains { abs($0 - $1) > 1e-5 * max(1, abs($1)) }, "bf16 output equals fp32's")

        let z = try reference(refs, "vae.latents")
        let decoded = model.vae.decode(Tensor(shape: z.shape, data: z.data.map { $0 / model.vae.scalingFactor }))
        let image = try reference(refs, "vae.decoded")
        expectClose(decoded.data, image.data, shape: decoded.shape, expectedShape: image.shape, relative: 3e-2, "bf16 VAE decode")
    }

    /// The standard for the bf16 path: at least as close to diffusers' fp32 outputs as
    /// PyTorch's own bf16 pipeline is on the same cases (its errors measured by
    /// scripts/diffusers/bf16_closeness.py into bf16-closeness.json), by the squared error
    /// over the whole output.
    @Test(arguments: ["sd1-tiny", "sd2-tiny"])
    func asCloseToFloat32AsPyTorchsOwnBFloat16(model name: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/bf16-closeness.json"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let torch = try #require((json?["models"] as? [String: Any])?[name] as? [String: [String: Double]])
        let model = try StableDiffusionModel.load(path: fixtures + "/" + name, precision: .bfloat16)
        let refs = "refs-\(name.prefix(3)).safetensors"
        let (out, expected) = try unetOnReferenceInputs(model, refs)
        let z = try reference(refs, "vae.latents")
        let decoded = model.vae.decode(Tensor(shape: z.shape, data: z.data.map { $0 / model.vae.scalingFactor }))
        let image = try reference(refs, "vae.decoded")
        for (part, actual, reference) in [("unet", out.data, expected.data), ("vae", decoded.data, image.data)] {
            let ours = normalisedSquaredError(actual, reference)
            let theirs = try #require(torch[part]?["nmse"])
            #expect(ours <= theirs, "\(name) \(part) in bf16: squared error \(ours) of the output's, PyTorch's bf16 \(theirs)")
        }
    }

    /// The wave-2 paths in bf16 (the Renderer's default) within the same bounds: replacement
    /// VAEs and TAESD against diffusers' fp32 decode, the LCM-distilled U-Net against
    /// diffusers' fp32 call, and a U-Net step with LoRAs (fp32 low-rank terms beside bf16
    /// weights) against the fp32 path, which matches diffusers.
    @Test func wave2PathsInBFloat16StayCloseToFloat32() throws {
        let z = try reference("vae/refs-vae.safetensors", "vae.latents")
        for (kind, path) in [("vae-ft", "vae/vae-ft.safetensors"), ("taesd", "vae/taesd")] {
            let decoder = try VAELoader.load(path: fixtures + "/" + path, precision: .bfloat16)
            let decoded = decoder.decode(Tensor(shape: z.shape, data: z.data.map { $0 / decoder.scalingFactor }))
            let expected = try reference("vae/refs-vae.safetensors", kind + ".decoded")
            expectClose(decoded.data, expected.data, shape: decoded.shape, expectedShape: expected.shape, relative: 3e-2, "bf16 \(kind) decode")
        }

        let lcm = try StableDiffusionModel.load(path: fixtures + "/lcm-tiny", precision: .bfloat16)
        let refs = "refs-lcm-tiny.safetensors"
        let (x, cond, ctx) = (try reference(refs, "unet.sample"), try reference(refs, "unet.timestep_cond"), try reference(refs, "unet.encoder_hidden_states"))
        let out = lcm.unet(Tensor(shape: x.shape, data: x.data), timesteps: [999], context: Tensor(shape: ctx.shape, data: ctx.data),
                           timestepCond: Tensor(shape: cond.shape, data: cond.data))
        let expected = try reference(refs, "unet.out")
        expectClose(out.data, expected.data, shape: out.shape, expectedShape: expected.shape, relative: 5e-2, "bf16 LCM U-Net")

        var outputs: [[Float]] = []
        for precision in [ComputePrecision.float32, .bfloat16] {
            let model = try StableDiffusionModel.load(path: fixtures + "/sd1-tiny", precision: precision)
            let library = try LoraLibrary(folder: fixtures + "/lora", targets: model.loraTargets)
            let loras = [AppliedLora(try library.adapter(named: "kohya_locon"), weight: 0.8), AppliedLora(try library.adapter(named: "peft_style"), weight: -0.5)]
            let sample = try reference("refs-sd1.safetensors", "unet.sample")
            let context = try reference("refs-sd1.safetensors", "unet.encoder_hidden_states")
            let step = LoraBatch.applying(.unet, [loras, []]) {
                model.unet(Tensor(shape: sample.shape, data: sample.data), timesteps: [981, 946.42], context: Tensor(shape: context.shape, data: context.data))
            }
            outputs.append(step.data)
        }
        expectClose(outputs[1], outputs[0], relative: 5e-2, "bf16 U-Net with LoRAs")
        #expect(outputs[0] != outputs[1], "the bf16 path really ran")
    }
}

/// Σ(actual − expected)² / Σ expected².
func normalisedSquaredError(_ actual: [Float], _ expected: [Float]) -> Double {
    precondition(actual.count == expected.count)
    var error = 0.0, norm = 0.0
    for (a, e) in zip(actual, expected) {
        error += Double(a - e) * Double(a - e)
        norm += Double(e) * Double(e)
    }
    return error / max(norm, 1e-30)
}
