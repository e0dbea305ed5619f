import CKernels
import Foundation

/// Which 3×3 convolutions keep their weights as Winograd F(2×2, 3×3) transforms and run
/// `winogradConv2d` (bf16 only): stride 1, padding 1, at most 640 output channels.
///
/// The bound on channels keeps the transforms to the layers where they pay. The VAE (all
/// of its 3×3 convolutions, 128 to 512 channels at 64² to 512²) and the U-Net's two outer
/// levels (320 and 640 channels, 64² and 32² at 512²) have thousands of tiles per image; the
/// U-Net's 1280-channel levels have few (256 and 64 at 512²), where reading sixteen
/// transformed weights costs more than the products saved, and would hold 16/9 of the
/// U-Net's largest weights in memory.
enum WinogradPolicy {
    /// `LIENZO_WINOGRAD=0` turns the transforms off (every 3×3 convolution as implicit GEMM),
    /// to compare the two.
    static let enabled = ProcessInfo.processInfo.environment["LIENZO_WINOGRAD"] != "0"

    static let maximumOutChannels = 640

    static func applies(kernel: Int, stride: Int, padding: Int, outChannels: Int) -> Bool {
        enabled && kernel == 3 && stride == 1 && padding == 1 && outChannels <= maximumOutChannels
    }
}

/// A 3×3, stride-1, padding-1 convolution of x (N, C, H, W) with a Winograd weight: each
/// image's grid of 2×2 output tiles is split between the cores, each transforming its own
/// tiles' input, multiplying and transforming back in blocks (`lz_winograd_conv`).
func winogradConv2d(_ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: WeightMatrix, bias: [Float]) -> [Float] {
    precondition(weight.isWinograd && weight.columns == c * 9)
    let oc = weight.rows
    // the work of the direct convolution it replaces, so that rates compare across the two
    GEMMWork.add(m: oc, n: n * h * w, k: c * 9)
    let tiles = (h + 1) / 2 * Int(lz_winograd_tiles_per_row(Int32(w)))
    let workspaceBytes = lz_winograd_workspace_bytes(Int32(oc), Int32(c))
    var out = uninitializedFloats(n * oc * h * w)  // every output is some tile's
    x.withUnsafeBufferPointer { xp in
        out.withUnsafeMutableBufferPointer { op in
            weight.packed.withUnsafeBufferPointer { wp in
                bias.withUnsafeBufferPointer { bp in
                    let shared = UncheckedSendable(value: (xp.baseAddress!, op.baseAddress!, wp.baseAddress!, bp.baseAddress))
                    for b in 0..<n {
                        splitIntoSlabs(extent: tiles, panel: Int(LZ_NR), work: oc * h * w * c * 4) { lo, hi in
                            let (xb, ob, weights, biasValues) = shared.value
                            let workspace = UnsafeMutableRawPointer.allocate(byteCount: workspaceBytes, alignment: 64)
                            defer { workspace.deallocate() }
                            lz_winograd_conv(
                                xb + b * c * h * w, Int32(c), Int32(h), Int32(w), weights, Int32(oc),
                                bias.isEmpty ? nil : biasValues, ob + b * oc * h * w, Int32(lo), Int32(hi), workspace)
                        }
                    }
                }
            }
        }
    }
    return out
}
