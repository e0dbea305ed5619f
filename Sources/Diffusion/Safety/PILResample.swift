import Foundation

/// Pillow's `Image.resize(size, Image.BICUBIC)` for 8-bit RGB, reproduced bit for bit
/// (libImaging/Resample.c): separable convolution, horizontal pass first, with the
/// bicubic kernel (a = −0.5) stretched by the scale when shrinking (antialiasing), the
/// weights normalised and then rounded to 22-bit fixed point, and every pass clipped to
/// 8 bits. transformers' CLIP image processor resizes this way, so the safety checker sees
/// the pixels diffusers' does.
enum PILResample {
    static let precisionBits = 32 - 8 - 2

    /// rgb is width × height × 3 bytes, rows top to bottom.
    static func bicubic(_ rgb: [UInt8], width: Int, height: Int, toWidth: Int, toHeight: Int) -> [UInt8] {
        var pixels = rgb
        var (w, h) = (width, height)
        let vertical = Coefficients(inSize: height, outSize: toHeight)
        let firstRow = vertical.bounds.first?.min ?? 0
        let lastRow = vertical.bounds.last.map { $0.min + $0.count } ?? height
        if toWidth != width {
            // Only the rows the vertical pass reads.
            let horizontal = Coefficients(inSize: width, outSize: toWidth)
            var out = [UInt8](repeating: 0, count: toWidth * (lastRow - firstRow) * 3)
            for y in firstRow..<lastRow {
                for x in 0..<toWidth {
                    let (min, count) = horizontal.bounds[x]
                    for c in 0..<3 {
                        var sum = 1 << (precisionBits - 1)
                        for i in 0..<count { sum += Int(pixels[(y * w + min + i) * 3 + c]) * horizontal.weights[x][i] }
                        out[((y - firstRow) * toWidth + x) * 3 + c] = clip8(sum)
                    }
                }
            }
            pixels = out
            w = toWidth
            h = lastRow - firstRow
        } else if firstRow > 0 || lastRow < height {
            pixels = Array(pixels[(firstRow * w * 3)..<(lastRow * w * 3)])
            h = lastRow - firstRow
        }
        guard toHeight != height else { return pixels }
        var out = [UInt8](repeating: 0, count: w * toHeight * 3)
        for y in 0..<toHeight {
            let (min, count) = vertical.bounds[y]
            for x in 0..<w {
                for c in 0..<3 {
                    var sum = 1 << (precisionBits - 1)
                    for i in 0..<count { sum += Int(pixels[((min - firstRow + i) * w + x) * 3 + c]) * vertical.weights[y][i] }
                    out[(y * w + x) * 3 + c] = clip8(sum)
                }
            }
        }
        _ = h
        return out
    }

    /// precompute_coeffs + normalize_coeffs_8bpc for one axis.
    struct Coefficients {
        var bounds: [(min: Int, count: Int)] = []
        var weights: [[Int]] = []

        init(inSize: Int, outSize: Int) {
            let scale = Double(inSize) / Double(outSize)
            let filterScale = max(scale, 1)
            let support = 2.0 * filterScale
            for xx in 0..<outSize {
                let center = (Double(xx) + 0.5) * scale
                let ss = 1 / filterScale
                let xmin = max(Int(center - support + 0.5), 0)  // C's (int) truncates toward zero
                let xmax = min(Int(center + support + 0.5), inSize) - xmin
                var k = (0..<max(xmax, 0)).map { PILResample.cubic((Double($0 + xmin) - center + 0.5) * ss) }
                let total = k.reduce(0, +)
                if total != 0 { k = k.map { $0 / total } }
                bounds.append((xmin, max(xmax, 0)))
                let one = Double(1 << PILResample.precisionBits)
                weights.append(k.map { $0 < 0 ? Int(-0.5 + $0 * one) : Int(0.5 + $0 * one) })
            }
        }
    }

    /// Pillow's bicubic_filter (a = −0.5), support 2.
    static func cubic(_ value: Double) -> Double {
        let a = -0.5
        let x = abs(value)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    static func clip8(_ value: Int) -> UInt8 {
        if value >= (1 << precisionBits) << 8 { return 255 }
        if value <= 0 { return 0 }
        return UInt8(value >> precisionBits)
    }
}
