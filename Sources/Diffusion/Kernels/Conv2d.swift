import CKernels

/// 2-D convolution as GEMM: im2col + GEMM, or in bf16 for stride 1 and whole panels of
/// output columns, implicit GEMM (the kernel unfolds the image itself).
/// x is (N, C, H, W), weight is (OC, C·kh·kw) as a `.left` matrix, bias is (OC); returns
/// (N, OC, OH, OW). 1×1 stride-1 convolutions skip im2col (the input already is the column matrix).
func conv2d(
    _ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: WeightMatrix, bias: [Float],
    kernel k: Int, stride: Int, padding p: Int
) -> (data: [Float], height: Int, width: Int) {
    if weight.isWinograd
        || WinogradPolicy.transformsAsUsed(weight, kernel: k, stride: stride, padding: p, height: h, width: w)
    {
        return (winogradConv2d(x, n: n, c: c, h: h, w: w, weight: weight, bias: bias), h, w)
    }
    let oc = weight.rows
    let oh = (h + 2 * p - k) / stride + 1
    let ow = (w + 2 * p - k) / stride + 1
    let cols = oh * ow
    let kdim = c * k * k
    let direct = k == 1 && stride == 1 && p == 0
    // bf16 unfolds the image while packing it (implicit GEMM): no column matrix at all. It
    // beats the side-by-side unfold below even for a batch of small images (a batch of 4 at
    // the U-Net's 32×32 level went that way and its convolutions lost a fifth of their rate).
    let implicit = weight.isPacked && !direct && stride == 1 && ow % Int(LZ_NR) == 0
    if n > 1 && n * cols <= 4096 && !implicit {
        return (batchedConv2d(x, n: n, c: c, h: h, w: w, weight: weight, bias: bias, kernel: k, stride: stride, padding: p,
                              oh: oh, ow: ow), oh, ow)
    }
    var out = uninitializedFloats(n * oc * cols)  // the GEMMs write every entry, bias included
    // im2col in bands of output rows so the column buffer stays about 32 MiB (a full
    // 512×512 unfold for 128 channels would be 1.2 GB); bands are still wide enough for GEMM.
    let bandRows = max(1, min(oh, (8 << 20) / max(1, kdim * ow)))
    var col = uninitializedFloats(direct || implicit ? 0 : kdim * bandRows * ow)  // im2col writes every entry
    x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                col.withUnsafeMutableBufferPointer { cp in
                    guard let xb = xp.baseAddress, let ob = op.baseAddress else { return }
                    for b in 0..<n {
                        let xin = xb + b * c * h * w
                        let o = ob + b * oc * cols
                        if direct {
                            multiply(weight, xin, ldb: cols, n: cols, into: o, ldc: cols, accumulate: false, bias: bias)
                            continue
                        }
                        if implicit {
                            var image = lz_conv_image(
                                image: xin, channels: Int32(c), height: Int32(h), width: Int32(w), kernel: Int32(k),
                                padding: Int32(p), out_width: Int32(ow))
                            multiply(weight, convolving: &image, n: cols, into: o, ldc: cols, accumulate: false, bias: bias)
                            continue
                        }
                        guard let cb = cp.baseAddress else { return }
                        var y0 = 0
                        while y0 < oh {
                            let rows = min(bandRows, oh - y0)
                            let band = rows * ow
                            im2col(xin, c: c, h: h, w: w, k: k, stride: stride, p: p, oy0: y0, rows: rows, ow: ow, into: cb)
                            multiply(weight, cb, ldb: band, n: band, into: o + y0 * ow, ldc: cols, accumulate: false, bias: bias)
                            y0 += rows
                        }
                    }
                }
            }
    }
    return (out, oh, ow)
}

/// The small images of a batch (the U-Net's 8×8 to 32×32 levels) unfolded side by side
/// into one column matrix, so that the whole batch shares one pass over the weights: those
/// GEMMs are bound by reading the weights, not by arithmetic.
private func batchedConv2d(
    _ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: WeightMatrix, bias: [Float], kernel k: Int, stride: Int,
    padding p: Int, oh: Int, ow: Int
) -> [Float] {
    let (oc, cols, kdim) = (weight.rows, oh * ow, c * k * k)
    let width = n * cols
    // every entry written: by im2col, by the GEMM, by the reordering below
    var col = uninitializedFloats(kdim * width)
    var wide = uninitializedFloats(oc * width)
    var out = uninitializedFloats(n * oc * cols)
    x.withUnsafeBufferPointer { xp in
        col.withUnsafeMutableBufferPointer { cp in
            wide.withUnsafeMutableBufferPointer { wp in
                guard let xb = xp.baseAddress, let cb = cp.baseAddress, let wb = wp.baseAddress else { return }
                for b in 0..<n {
                    im2col(xb + b * c * h * w, c: c, h: h, w: w, k: k, stride: stride, p: p, oy0: 0, rows: oh, ow: ow,
                           into: cb + b * cols, rowStride: width)
                }
                multiply(weight, cb, ldb: width, n: width, into: wb, ldc: width, accumulate: false, bias: bias)
            }
        }
    }
    // (OC, N·cols) → (N, OC, cols)
    for b in 0..<n {
        for ch in 0..<oc {
            let src = ch * width + b * cols
            let dst = (b * oc + ch) * cols
            for i in 0..<cols { out[dst + i] = wide[src + i] }
        }
    }
    return out
}

/// Unfolds output rows oy0..<oy0+rows of one image (C, H, W) into columns
/// (C·k·k, rows·OW), rows of the column matrix `rowStride` apart (default rows·OW), zero
/// padding outside; channels are split across cores.
@inline(__always)
private func im2col(
    _ x: UnsafePointer<Float>, c: Int, h: Int, w: Int, k: Int, stride: Int, p: Int, oy0: Int, rows: Int, ow: Int,
    into col: UnsafeMutablePointer<Float>, rowStride: Int? = nil
) {
    let rowStride = rowStride ?? rows * ow
    let shared = SendablePointer(p: col)
    let input = SendablePointer(p: UnsafeMutablePointer(mutating: x))
    parallelChunks(c, work: c * k * k * rows * ow) { channels in
      for ch in channels {
        let plane = input.p + ch * h * w
        var row = ch * k * k
        for ky in 0..<k {
            for kx in 0..<k {
                let dst = shared.p + row * rowStride
                for r in 0..<rows {
                    let oy = oy0 + r
                    let iy = oy * stride - p + ky
                    let d = dst + r * ow
                    if iy < 0 || iy >= h {
                        for ox in 0..<ow { d[ox] = 0 }
                        continue
                    }
                    let src = plane + iy * w
                    if stride == 1 {
                        // a contiguous run: zero the padded edges, copy the interior in one go
                        let lo = max(0, p - kx)
                        let hi = min(ow, w + p - kx)
                        for ox in 0..<min(lo, ow) { d[ox] = 0 }
                        if hi > lo { (d + lo).update(from: src + (lo - p + kx), count: hi - lo) }
                        for ox in max(hi, 0)..<ow { d[ox] = 0 }
                    } else {
                        for ox in 0..<ow {
                            let ix = ox * stride - p + kx
                            d[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                        }
                    }
                }
                row += 1
            }
        }
      }
    }
}

/// Naive reference for `conv2d` (tests only).
func conv2dReference(
    _ x: [Float], n: Int, c: Int, h: Int, w: Int, weight: [Float], bias: [Float], outChannels oc: Int,
    kernel k: Int, stride: Int, padding p: Int
) -> [Float] {
    let oh = (h + 2 * p - k) / stride + 1
    let ow = (w + 2 * p - k) / stride + 1
    var out = [Float](repeating: 0, count: n * oc * oh * ow)
    for b in 0..<n {
        for o in 0..<oc {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s: Double = bias.isEmpty ? 0 : Double(bias[o])
                    for ch in 0..<c {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * stride - p + ky
                                let ix = ox * stride - p + kx
                                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                s += Double(x[((b * c + ch) * h + iy) * w + ix]) * Double(weight[((o * c + ch) * k + ky) * k + kx])
                            }
                        }
                    }
                    out[((b * oc + o) * oh + oy) * ow + ox] = Float(s)
                }
            }
        }
    }
    return out
}
