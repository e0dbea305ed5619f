import CKernels
import Foundation

/// Which 3×3 convolutions keep their weights as Winograd F(2×2, 3×3) transforms and run
/// `winogradConv2d`: stride 1, padding 1, at most 640 output channels, in bf16, or in fp32
/// where the CPU has AVX-512 (the transforms' kernels need it).
///
/// The bound on channels keeps the stored transforms to the layers where memory allows. The
/// VAE (all of its 3×3 convolutions, 128 to 512 channels at 64² to 512²) and the U-Net's two
/// outer levels (320 and 640 channels, 64² and 32² at 512²) keep transforms; the U-Net's
/// 1280-channel levels would hold 16/9 of its largest weights (0.32 GB more at bf16), so they
/// keep their direct weights and, in bf16, make their transforms a slab at a time as they are
/// used, where the image has enough tiles (`transformsAsUsed`).
public enum WinogradPolicy {
    /// `LIENZO_WINOGRAD=0` turns the transforms off (every 3×3 convolution as implicit GEMM),
    /// to compare the two.
    public static let enabled = ProcessInfo.processInfo.environment["LIENZO_WINOGRAD"] != "0"

    public static let maximumOutChannels = 640

    /// Whether models loaded in `precision` run some convolutions as Winograd.
    public static func isUsed(in precision: ComputePrecision) -> Bool {
        enabled && (precision == .bfloat16 || avx512IsSupported)
    }

    static func applies(kernel: Int, stride: Int, padding: Int, outChannels: Int, precision: ComputePrecision) -> Bool {
        isUsed(in: precision) && kernel == 3 && stride == 1 && padding == 1 && outChannels <= maximumOutChannels
    }

    /// Tiles an image needs before a layer that keeps its direct weights runs as Winograd,
    /// making its transforms as they are used: from the U-Net's 16² level on at 512² (64
    /// tiles; a 1280-channel layer 19 → 11 ms), not at 8² (16 tiles), where one pass over
    /// the transforms per image is slower than the direct product.
    public static let minimumTilesForTransformsAsUsed = 64

    /// Whether a 3×3, stride-1, padding-1 layer with bf16 direct weights runs as Winograd on an
    /// output of height × width, its transforms made slab by slab (`lz_winograd_conv_direct_weights`).
    static func transformsAsUsed(_ weight: WeightMatrix, kernel: Int, stride: Int, padding: Int, height: Int, width: Int) -> Bool {
        enabled && weight.isPacked && !weight.isWinograd && kernel == 3 && stride == 1 && padding == 1
            && (height + 1) / 2 * ((width + 1) / 2) >= minimumTilesForTransformsAsUsed
    }
}

/// What a Winograd convolution applies to its input as it reads it (`lz_winograd_input`):
/// a GroupNorm's per-image, per-channel affine map (N·C values each, empty for none), the
/// SiLU after it, and nearest ×2 upsampling.
struct WinogradPrologue {
    var scale: [Float] = []
    var shift: [Float] = []
    var silu = false
    var upsampled = false

    /// Image b of the batch at `images` as the transforms read it, for a convolution of
    /// c channels to (h, w): `scale` and `shift` point at this prologue's values.
    func input(
        image b: Int, of images: UnsafePointer<Float>, c: Int, h: Int, w: Int, scale: UnsafePointer<Float>?,
        shift: UnsafePointer<Float>?
    ) -> lz_winograd_input {
        let planeSize = upsampled ? h * w / 4 : h * w
        let normalised = !self.scale.isEmpty
        return lz_winograd_input(
            image: images + b * c * planeSize, channels: Int32(c), height: Int32(h), width: Int32(w),
            scale: normalised ? scale! + b * c : nil, shift: normalised ? shift! + b * c : nil, silu: silu ? 1 : 0,
            upsampled: upsampled ? 1 : 0)
    }
}

/// A 3×3, stride-1, padding-1 convolution as Winograd of x, (N, C, H, W) or, upsampled,
/// (N, C, H/2, W/2). With a Winograd weight, each image's grid of 2×2 output tiles is split
/// between the cores, each transforming its own tiles' input, multiplying and transforming
/// back in blocks (`lz_winograd_conv`); a bf16 direct weight makes its transforms as they are
/// used (`winogradFromDirectWeights`).
func winogradConv2d(
    _ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: WeightMatrix, bias: [Float], prologue: WinogradPrologue = WinogradPrologue()
) -> [Float] {
    var out = uninitializedFloats(n * weight.rows * h * w)  // every output is some tile's
    winogradConv2d(x, n: n, c: c, h: h, w: w, weight: weight, bias: bias, prologue: prologue, into: &out, accumulate: false)
    return out
}

/// The same convolution written into `out` (N, OC, H, W), or added to what it holds.
func winogradConv2d(
    _ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: WeightMatrix, bias: [Float], prologue: WinogradPrologue,
    into out: inout [Float], accumulate: Bool
) {
    let oc = weight.rows
    precondition(weight.columns == c * 9 && out.count == n * oc * h * w)
    precondition(!prologue.upsampled || (h % 2 == 0 && w % 2 == 0), "upsampled inputs are read at exactly half size")
    // the work of the direct convolution it replaces, so that rates compare across the two
    GEMMWork.add(m: oc, n: n * h * w, k: c * 9)
    guard weight.isWinograd else {
        winogradFromDirectWeights(x, n: n, c: c, h: h, w: w, weight: weight, bias: bias, prologue: prologue, into: &out, accumulate: accumulate)
        return
    }
    let tiles = Int(lz_winograd_tiles(Int32(h), Int32(w)))
    let workspaceBytes = weight.isPacked ? lz_winograd_workspace_bytes(Int32(oc), Int32(c))
        : 16 * (c + oc) * Int(lz_winograd_block_columns()) * MemoryLayout<Float>.size
    x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            weight.packed.withUnsafeBufferPointer { wp in
              weight.float32.withUnsafeBufferPointer { wf in
                bias.withUnsafeBufferPointer { bp in
                    prologue.scale.withUnsafeBufferPointer { sp in
                        prologue.shift.withUnsafeBufferPointer { hp in
                            let shared = UncheckedSendable(value: (xp.baseAddress!, op.baseAddress!, (packed: wp.baseAddress, float32: wf.baseAddress), bp.baseAddress, sp.baseAddress, hp.baseAddress))
                            for b in 0..<n {
                                splitIntoSlabs(extent: tiles, panel: Int(LZ_NR), work: oc * h * w * c * 4) { lo, hi in
                                    let (xb, ob, weights, biasValues, scale, shift) = shared.value
                                    var input = prologue.input(image: b, of: xb, c: c, h: h, w: w, scale: scale, shift: shift)
                                    let workspace = UnsafeMutableRawPointer.allocate(byteCount: workspaceBytes, alignment: 64)
                                    defer { workspace.deallocate() }
                                    let output = ob + b * oc * h * w
                                    guard !weight.isPacked else {
                                        lz_winograd_conv(&input, weights.packed!, Int32(oc), bias.isEmpty ? nil : biasValues, output,
                                                         accumulate ? 1 : 0, Int32(lo), Int32(hi), workspace)
                                        return
                                    }
                                    // fp32: the same three steps, sgemm between the transforms
                                    let columns = Int(lz_winograd_block_columns())
                                    let v = workspace.assumingMemoryBound(to: Float.self)
                                    let m = v + 16 * c * columns
                                    var j = lo
                                    while j < hi {
                                        let count = min(columns, hi - j)
                                        lz_winograd_input_f32(&input, Int32(j), Int32(count), v, c * columns)
                                        for xi in 0..<16 {
                                            gemm(m: oc, n: count, k: c, a: weights.float32! + xi * oc * c, lda: c, b: v + xi * c * columns,
                                                 ldb: columns, c: m + xi * columns, ldc: 16 * columns, counted: false)
                                        }
                                        lz_winograd_output(m, Int32(oc), Int32(j), Int32(count), bias.isEmpty ? nil : biasValues, output,
                                                           Int32(h), Int32(w), accumulate ? 1 : 0)
                                        j += count
                                    }
                                }
                            }
                        }
                    }
                }
              }
            }
        }
    }
}

/// `winogradConv2d` for a bf16 layer that keeps its direct weights: the cores first share the
/// input's transform (every image, all its tiles), then each takes a share of the output
/// channels, making their transforms a slab at a time and sending all the tiles through them.
private func winogradFromDirectWeights(
    _ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: WeightMatrix, bias: [Float], prologue: WinogradPrologue,
    into out: inout [Float], accumulate: Bool
) {
    precondition(weight.isPacked)
    let oc = weight.rows
    let tiles = Int(lz_winograd_tiles(Int32(h), Int32(w)))
    let imageWords = lz_winograd_input_words(Int32(c), Int32(tiles))
    var v = [UInt32](unsafeUninitializedCapacity: n * imageWords) { _, initialized in initialized = n * imageWords }
    x.withUnsafeBufferPointer { xp in
        v.withUnsafeMutableBufferPointer { vp in
            prologue.scale.withUnsafeBufferPointer { sp in
                prologue.shift.withUnsafeBufferPointer { hp in
                    let shared = UncheckedSendable(value: (xp.baseAddress!, vp.baseAddress!, sp.baseAddress, hp.baseAddress))
                    for b in 0..<n {
                        splitIntoSlabs(extent: tiles, panel: Int(LZ_NR), work: c * h * w * 16) { lo, hi in
                            let (xb, vb, scale, shift) = shared.value
                            var input = prologue.input(image: b, of: xb, c: c, h: h, w: w, scale: scale, shift: shift)
                            lz_winograd_transform_input(&input, Int32(lo), Int32(hi), vb + b * imageWords)
                        }
                    }
                }
            }
        }
    }
    let workspaceBytes = lz_winograd_direct_workspace_bytes(Int32(c))
    v.withUnsafeBufferPointer { vp in
        out.withUnsafeMutableBufferPointer { op in
            weight.packed.withUnsafeBufferPointer { wp in
                bias.withUnsafeBufferPointer { bp in
                    let shared = UncheckedSendable(value: (vp.baseAddress!, op.baseAddress!, wp.baseAddress!, bp.baseAddress))
                    splitIntoSlabs(extent: oc, panel: Int(LZ_MR), work: oc * n * h * w * c * 4) { lo, hi in
                        let (vb, ob, weights, biasValues) = shared.value
                        let workspace = UnsafeMutableRawPointer.allocate(byteCount: workspaceBytes, alignment: 64)
                        defer { workspace.deallocate() }
                        lz_winograd_conv_direct_weights(
                            weights, Int32(c), vb, Int32(n), Int32(oc), Int32(h), Int32(w), bias.isEmpty ? nil : biasValues, ob,
                            accumulate ? 1 : 0, Int32(lo), Int32(hi), workspace)
                    }
                }
            }
        }
    }
}
