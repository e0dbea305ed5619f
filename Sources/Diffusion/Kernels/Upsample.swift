import CKernels

/// Nearest-neighbour resize of x (N, C, H, W) to (N, C, OH, OW), using torch's
/// `F.interpolate(mode="nearest")` index rule: src = min(floor(dst · in/out), in − 1) in
/// float, with exact doubling special-cased as torch does.
func upsampleNearest(_ x: [Float], n: Int, c: Int, h: Int, w: Int, outHeight oh: Int, outWidth ow: Int) -> [Float] {
    func index(_ dst: Int, _ inSize: Int, _ outSize: Int) -> Int {
        if outSize == inSize { return dst }
        if outSize == 2 * inSize { return dst >> 1 }
        let scale = Float(inSize) / Float(outSize)
        return min(Int((Float(dst) * scale).rounded(.down)), inSize - 1)
    }
    let ys = (0..<oh).map { index($0, h, oh) }
    let xs = (0..<ow).map { index($0, w, ow) }
    var y = [Float](repeating: 0, count: n * c * oh * ow)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            for plane in 0..<(n * c) {
                let src = plane * h * w
                let dst = plane * oh * ow
                for oy in 0..<oh {
                    let row = src + ys[oy] * w
                    for ox in 0..<ow { yp[dst + oy * ow + ox] = xp[row + xs[ox]] }
                }
            }
        }
    }
    return y
}

/// (N, C, HW) → (N, HW, C): feature maps to token sequences for the transformer blocks.
func channelsLast(_ x: [Float], n: Int, c: Int, hw: Int) -> [Float] {
    transposeInner(x, n: n, rows: c, columns: hw)
}

/// (N, HW, C) → (N, C, HW).
func channelsFirst(_ x: [Float], n: Int, c: Int, hw: Int) -> [Float] {
    transposeInner(x, n: n, rows: hw, columns: c)
}

/// x is (N, rows, columns); returns (N, columns, rows). With AVX-512, 16×16 blocks are
/// transposed in registers, column blocks split across the cores; the scalar loop is the
/// fallback.
func transposeInner(_ x: [Float], n: Int, rows: Int, columns: Int, vectorized: Bool = avx512IsSupported) -> [Float] {
    var y = uninitializedFloats(x.count)  // every entry written
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return }
            let output = SendablePointer(p: yb)
            for b in 0..<n {
                let base = b * rows * columns
                guard vectorized else {
                    for r in 0..<rows {
                        let s = base + r * columns
                        for col in 0..<columns { yb[base + col * rows + r] = xb[s + col] }
                    }
                    continue
                }
                let blocks = (columns + 15) / 16
                parallelChunks(blocks, work: rows * columns) { range in
                    let (lo, hi) = (range.lowerBound * 16, min(columns, range.upperBound * 16))
                    lz_transpose_scaled(
                        xb + base + lo, Int32(rows), Int32(hi - lo), columns, nil, output.p + base + lo * rows, rows)
                }
            }
        }
    }
    return y
}
