import CPNG

/// PNG bytes → RGB8 through libpng's simplified read API (errors in a struct, no longjmp).
/// Grey, palette and 16-bit images are converted to 8-bit RGB; transparency is composited
/// onto white with Pillow's integer arithmetic (`Image.alpha_composite`), as transformers'
/// `convert_to_rgb` does before an image reaches the safety checker.
public enum PNGDecoder {
    public static func decode(_ bytes: [UInt8]) throws -> (width: Int, height: Int, rgb: [UInt8]) {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        let began = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, bytes.count) }
        guard began != 0 else { throw PNGEncoder.Failure(description: "PNG: " + PNGEncoder.message(&image)) }
        defer { png_image_free(&image) }
        let (width, height) = (Int(image.width), Int(image.height))
        guard width > 0, height > 0, width * height <= 1 << 28 else {
            throw PNGEncoder.Failure(description: "PNG: \(width)x\(height) is not an image this reads")
        }
        // RGBA, then composite ourselves: libpng would composite in linear light, Pillow does not.
        image.format = png_uint_32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA)
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let finished = rgba.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw PNGEncoder.Failure(description: "PNG: " + PNGEncoder.message(&image)) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let alpha = UInt32(rgba[i * 4 + 3])
            for c in 0..<3 { rgb[i * 3 + c] = overWhite(UInt32(rgba[i * 4 + c]), alpha: alpha) }
        }
        return (width, height, rgb)
    }

    /// ImagingAlphaComposite (Pillow's AlphaComposite.c, 7 bits of precision) of one channel
    /// over an opaque white pixel.
    static func overWhite(_ value: UInt32, alpha: UInt32) -> UInt8 {
        if alpha == 255 { return UInt8(value) }
        let bits: UInt32 = 7
        let outa255: UInt32 = alpha * 255 + 255 * (255 - alpha)
        let coef1 = alpha * 255 * 255 * (1 << bits) / outa255
        let coef2 = 255 * (1 << bits) - coef1
        let tmp = value * coef1 + 255 * coef2 + (0x80 << bits)
        return UInt8((((tmp >> 8) + tmp) >> 8) >> bits)
    }
}
