import CKernels
import Testing

@testable import Diffusion

/// Winograd F(2×2, 3×3) convolutions, in both precisions (bf16 on our kernel, fp32 on
/// sgemm). On small integers every transform, product and sum is exact in bf16 and fp32, so
/// the result must equal the direct convolution exactly: any wrong tap, tile, padding or
/// block shows. On real-valued data it must stay as close to the exact convolution as the
/// precision allows.
@Suite(.enabled(if: ComputePrecision.bfloat16IsSupported, "this CPU has no AVX512-BF16"))
struct WinogradTests {
    /// Odd heights and widths (a last tile half outside), a row of tiles that is not a whole
    /// group of 16, an odd channel count, several images, more tiles than one block (128)
    /// split between threads, and a single channel in and out. Images up to 16 wide take
    /// narrow rows (a group of 16 tiles over 2 or 4 tile rows): 16 and 8 wide, odd widths,
    /// and a last group that runs past the image's last tile row.
    static let shapes = [
        (2, 3, 7, 9, 5), (1, 33, 34, 66, 13), (1, 16, 64, 64, 24), (3, 1, 5, 5, 1), (1, 4, 66, 40, 7), (2, 6, 16, 16, 9),
        (1, 5, 8, 8, 3), (1, 3, 9, 15, 4), (1, 2, 16, 7, 3), (1, 3, 10, 16, 5),
    ]

    @Test(arguments: shapes)
    func integerConvolutionsAreExact(n: Int, c: Int, h: Int, w: Int, oc: Int) {
        for precision in ComputePrecision.allCases { integerConvolutionIsExact(n: n, c: c, h: h, w: w, oc: oc, precision: precision) }
    }

    private func integerConvolutionIsExact(n: Int, c: Int, h: Int, w: Int, oc: Int, precision: ComputePrecision) {
        var g = TorchRandomSource(seed: 61)
        let x = g.randn(n * c * h * w).map { Float(Int(($0 * 2).rounded())) }  // −6 … 6
        let weights = g.randn(oc * c * 9).map { Float(Int($0.rounded())) }  // −3 … 3
        let bias = g.randn(oc).map { Float(Int(($0 * 4).rounded())) }
        let conv = winogradConv2d(x, n: n, c: c, h: h, w: w, weight: winogradWeight(weights, oc: oc, c: c, precision), bias: bias)
        let expected = conv2dReference(x, n: n, c: c, h: h, w: w, weight: weights, bias: bias, outChannels: oc, kernel: 3,
                                       stride: 1, padding: 1)
        #expect(conv == expected, "\(precision): first differences: \(zip(conv, expected).enumerated().filter { $0.1.0 != $0.1.1 }.prefix(4).map { ($0.0, $0.1.0, $0.1.1) })")

        // added to a residual instead of written
        let residual = g.randn(conv.count).map { Float(Int(($0 * 8).rounded())) }
        var sum = residual
        winogradConv2d(x, n: n, c: c, h: h, w: w, weight: winogradWeight(weights, oc: oc, c: c, precision), bias: bias,
                       prologue: WinogradPrologue(), into: &sum, accumulate: true)
        #expect(sum == zip(residual, expected).map { $0 + $1 }, "\(precision): the convolution added to a residual")
    }

    /// Real values: within bf16's reach of the exact convolution (rounding the transformed
    /// operands costs about 1.6× the error of rounding the plain ones), and in fp32 as close
    /// as sgemm's own rounding.
    @Test func realValuedConvolutionStaysCloseToExact() {
        let (n, c, h, w, oc) = (1, 64, 32, 48, 32)
        let x = testData(n * c * h * w, seed: 62)
        let weights = testData(oc * c * 9, seed: 63)
        let bias = testData(oc, seed: 64)
        let conv = winogradConv2d(x, n: n, c: c, h: h, w: w, weight: winogradWeight(weights, oc: oc, c: c), bias: bias)
        let exact = conv2dReference(x, n: n, c: c, h: h, w: w, weight: weights, bias: bias, outChannels: oc, kernel: 3, stride: 1, padding: 1)
        expectClose(conv, exact, relative: 2e-2, "Winograd bf16 against the exact convolution")
        #expect(conv != exact, "bf16 rounding shows")
        let float32 = winogradConv2d(x, n: n, c: c, h: h, w: w, weight: winogradWeight(weights, oc: oc, c: c, .float32), bias: bias)
        expectClose(float32, exact, relative: 2e-6, "Winograd fp32 against the exact convolution")
    }

    /// GroupNorm (+SiLU) and nearest ×2 upsampling folded into reading the input give
    /// exactly what the convolution gives on the normalised or upsampled copy: the same
    /// arithmetic, in the same order, without the copy. Two images with their own
    /// statistics, an odd channel count, and the padding kept zero after the shift; narrow
    /// rows (10 wide, and upsampled to 16 and 8 wide, and from 3, 5 and 7 wide, where a row's
    /// last tiles lie past the image).
    @Test(arguments: [
        (2, 5, 6, 10, 7), (1, 32, 34, 64, 16), (2, 6, 4, 8, 5), (1, 4, 3, 4, 3), (1, 3, 3, 3, 4), (1, 2, 4, 5, 3), (2, 2, 3, 7, 3),
    ])
    func foldedProloguesEqualTheSeparatePasses(n: Int, c: Int, h: Int, w: Int, oc: Int) {
        for precision in ComputePrecision.allCases { foldedProloguesEqualTheSeparatePasses(n: n, c: c, h: h, w: w, oc: oc, precision: precision) }
    }

    private func foldedProloguesEqualTheSeparatePasses(n: Int, c: Int, h: Int, w: Int, oc: Int, precision: ComputePrecision) {
        let groups = c % 2 == 0 ? c / 2 : 1
        let x = testData(n * c * h * w, seed: 65).enumerated().map { $0.1 * 3 + Float($0.0 / (c * h * w)) }  // image 2 shifted
        let (gamma, beta) = (testData(c, seed: 66), testData(c, seed: 67))
        let weight = winogradWeight(testData(oc * c * 9, seed: 68), oc: oc, c: c, precision)
        let bias = testData(oc, seed: 69)
        for silu in [true, false] {
            var normalised = x
            groupNorm(&normalised, n: n, c: c, hw: h * w, groups: groups, eps: 1e-6, weight: gamma, bias: beta, silu: silu)
            var scale = [Float](repeating: 0, count: n * c), shift = scale
            for b in 0..<n {
                for g in 0..<groups {
                    let first = b * c + g * (c / groups)
                    lz_group_norm_coefficients(x.withUnsafeBufferPointer { $0.baseAddress! + first * h * w }, Int32(c / groups), h * w,
                                               gamma.withUnsafeBufferPointer { $0.baseAddress! + g * (c / groups) },
                                               beta.withUnsafeBufferPointer { $0.baseAddress! + g * (c / groups) }, 1e-6,
                                               scale.withUnsafeMutableBufferPointer { $0.baseAddress! + first },
                                               shift.withUnsafeMutableBufferPointer { $0.baseAddress! + first })
                }
            }
            let folded = winogradConv2d(x, n: n, c: c, h: h, w: w, weight: weight, bias: bias,
                                        prologue: WinogradPrologue(scale: scale, shift: shift, silu: silu))
            let separate = winogradConv2d(normalised, n: n, c: c, h: h, w: w, weight: weight, bias: bias)
            #expect(folded == separate, "\(precision): GroupNorm\(silu ? " + SiLU" : "") folded into the convolution")
        }
        let upsampled = upsampleNearest(x, n: n, c: c, h: h, w: w, outHeight: 2 * h, outWidth: 2 * w)
        let folded = winogradConv2d(x, n: n, c: c, h: 2 * h, w: 2 * w, weight: weight, bias: bias, prologue: WinogradPrologue(upsampled: true))
        let separate = winogradConv2d(upsampled, n: n, c: c, h: 2 * h, w: 2 * w, weight: weight, bias: bias)
        #expect(folded == separate, "\(precision): upsampling folded into the convolution")
    }

    /// A layer that keeps its direct weights, its transforms made a slab of output channels
    /// at a time: exact on integers like the rest, with more output channels than a slab (96)
    /// split between the cores at panel edges, odd input channels, several images, narrow rows
    /// (8 and 4 tiles) and tile counts that end in a half-filled panel (40, 20); written and
    /// added to a residual.
    @Test(arguments: [
        (2, 3, 7, 9, 5), (1, 33, 16, 16, 101), (3, 4, 10, 34, 13), (1, 2, 66, 40, 200), (1, 3, 10, 16, 13), (1, 5, 9, 7, 14),
    ])
    func transformsMadeAsUsedAreExact(n: Int, c: Int, h: Int, w: Int, oc: Int) {
        var g = TorchRandomSource(seed: 70)
        let x = g.randn(n * c * h * w).map { Float(Int(($0 * 2).rounded())) }
        let weights = g.randn(oc * c * 9).map { Float(Int($0.rounded())) }
        let bias = g.randn(oc).map { Float(Int(($0 * 4).rounded())) }
        let direct = WeightMatrix(weights, rows: oc, columns: c * 9, role: .left, precision: .bfloat16)
        let conv = winogradConv2d(x, n: n, c: c, h: h, w: w, weight: direct, bias: bias)
        let expected = conv2dReference(x, n: n, c: c, h: h, w: w, weight: weights, bias: bias, outChannels: oc, kernel: 3,
                                       stride: 1, padding: 1)
        // compared outside #expect, which would print every value of a failing comparison
        let differences = zip(conv, expected).enumerated().filter { $0.1.0 != $0.1.1 }
        #expect(differences.isEmpty, "\(differences.count) differ, first: \(differences.prefix(4).map { ($0.0, $0.1.0, $0.1.1) })")
        let residual = g.randn(conv.count).map { Float(Int(($0 * 8).rounded())) }
        var sum = residual
        winogradConv2d(x, n: n, c: c, h: h, w: w, weight: direct, bias: [], prologue: WinogradPrologue(), into: &sum, accumulate: true)
        let unbiased = conv2dReference(x, n: n, c: c, h: h, w: w, weight: weights, bias: [], outChannels: oc, kernel: 3,
                                       stride: 1, padding: 1)
        let added = sum == zip(residual, unbiased).map { $0 + $1 }
        #expect(added, "the convolution, without bias, added to a residual")
    }

    /// On real values the transforms made as used are those made at load of the bf16-rounded
    /// weights, in the same arithmetic: the two paths agree bit for bit, the folded upsampling
    /// and GroupNorm + SiLU included.
    @Test func transformsMadeAsUsedEqualThoseMadeAtLoad() {
        let (n, c, h, w, oc) = (2, 19, 8, 8, 110)
        let x = testData(n * c * h * w, seed: 71)
        let weights = testData(oc * c * 9, seed: 72)
        let bias = testData(oc, seed: 73)
        let direct = WeightMatrix(weights, rows: oc, columns: c * 9, role: .left, precision: .bfloat16)
        let atLoad = winogradWeight(roundedToBFloat16(weights), oc: oc, c: c)
        let scale = testData(n * c, seed: 74), shift = testData(n * c, seed: 75)
        for prologue in [WinogradPrologue(), WinogradPrologue(upsampled: true), WinogradPrologue(scale: scale, shift: shift, silu: true)] {
            let (oh, ow) = prologue.upsampled ? (2 * h, 2 * w) : (h, w)
            let asUsed = winogradConv2d(x, n: n, c: c, h: oh, w: ow, weight: direct, bias: bias, prologue: prologue)
            let loaded = winogradConv2d(x, n: n, c: c, h: oh, w: ow, weight: atLoad, bias: bias, prologue: prologue)
            let same = asUsed == loaded
            #expect(same, "upsampled: \(prologue.upsampled), normalised: \(!prologue.scale.isEmpty)")
        }
    }

    /// Layers with direct weights run as Winograd where the image has enough tiles (the
    /// U-Net's 16² level at 512², not its 8²), in bf16 only.
    @Test func transformsAreMadeAsUsedFromSixtyFourTiles() {
        let bf16 = WeightMatrix(testData(4 * 9, seed: 76), rows: 2, columns: 18, role: .left, precision: .bfloat16)
        let fp32 = WeightMatrix(testData(4 * 9, seed: 76), rows: 2, columns: 18, role: .left, precision: .float32)
        func picks(_ weight: WeightMatrix, _ h: Int, _ w: Int, stride: Int = 1) -> Bool {
            WinogradPolicy.transformsAsUsed(weight, kernel: 3, stride: stride, padding: 1, height: h, width: w)
        }
        #expect(picks(bf16, 16, 16) == WinogradPolicy.enabled)
        #expect(picks(bf16, 15, 16) == WinogradPolicy.enabled, "8 × 8 tiles")
        #expect(!picks(bf16, 8, 8))
        #expect(!picks(bf16, 14, 16), "7 × 8 tiles")
        #expect(!picks(bf16, 16, 16, stride: 2))
        #expect(!picks(fp32, 64, 64))
        #expect(!picks(winogradWeight(testData(4 * 9, seed: 76), oc: 2, c: 2), 64, 64), "a Winograd weight has its transforms")
    }

    /// The layers the policy picks: 3×3, stride 1, padding 1, up to 640 outputs, in both
    /// precisions on this (AVX-512) machine.
    @Test func policyPicksTheOuterLayers() {
        #expect(WinogradPolicy.applies(kernel: 3, stride: 1, padding: 1, outChannels: 640, precision: .bfloat16) == WinogradPolicy.enabled)
        #expect(!WinogradPolicy.applies(kernel: 3, stride: 1, padding: 1, outChannels: 1280, precision: .bfloat16))
        #expect(!WinogradPolicy.applies(kernel: 3, stride: 2, padding: 1, outChannels: 320, precision: .bfloat16))
        #expect(!WinogradPolicy.applies(kernel: 1, stride: 1, padding: 0, outChannels: 320, precision: .bfloat16))
        #expect(WinogradPolicy.applies(kernel: 3, stride: 1, padding: 1, outChannels: 320, precision: .float32) == WinogradPolicy.enabled)
    }

    private func winogradWeight(_ weights: [Float], oc: Int, c: Int, _ precision: ComputePrecision = .bfloat16) -> WeightMatrix {
        WeightMatrix(weights, rows: oc, columns: c * 9, role: .left, precision: precision, winograd: true)
    }
}
