import CPNG

/// RGB8 → PNG bytes through libpng's simplified write API (`png_image_write_to_memory`,
/// which reports errors in a struct instead of longjmp-ing across Swift frames), plus
/// optional text chunks that we splice into the byte stream ourselves, because the
/// simplified API cannot write them.
public enum PNGEncoder {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `pixels` is width × height × 3 bytes, rows top to bottom. Each text entry becomes a
    /// `tEXt` chunk when its keyword and text are Latin-1, an uncompressed `iTXt` (UTF-8)
    /// otherwise, placed right after IHDR (readers such as AUTOMATIC1111 and PIL read both).
    public static func encode(width: Int, height: Int, rgb pixels: [UInt8], text: [(keyword: String, value: String)] = []) throws -> [UInt8] {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw Failure(description: "PNG: \(pixels.count) bytes do not make a \(width)x\(height) RGB image")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        var size: Int = 0
        let sized = pixels.withUnsafeBytes { buf in
            png_image_write_to_memory(&image, nil, &size, 0, buf.baseAddress, 0, nil)
        }
        guard sized != 0, size > 0 else { throw Failure(description: "PNG: " + message(&image)) }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { o in
            pixels.withUnsafeBytes { buf in
                png_image_write_to_memory(&image, o.baseAddress, &size, 0, buf.baseAddress, 0, nil)
            }
        }
        guard written != 0 else { throw Failure(description: "PNG: " + message(&image)) }
        png_image_free(&image)
        out.removeSubrange(size...)
        var chunks = [UInt8]()
        for (k, v) in text { chunks += try textChunk(keyword: k, value: v) }
        // signature (8) + IHDR (4 length + 4 type + 13 data + 4 CRC)
        out.insert(contentsOf: chunks, at: 33)
        return out
    }

    static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func textChunk(keyword: String, value: String) throws -> [UInt8] {
        guard let key = latin1(keyword), (1...79).contains(key.count), !key.contains(0) else {
            throw Failure(description: "PNG: text keyword \(keyword.debugDescription) must be 1-79 Latin-1 characters")
        }
        if let text = latin1(value), !text.contains(0) {
            return chunk("tEXt", key + [0] + text)
        }
        // iTXt: keyword, 0, compression flag 0, method 0, empty language, 0, empty translated keyword, 0, UTF-8 text
        return chunk("iTXt", key + [0, 0, 0, 0, 0] + Array(value.utf8))
    }

    static func latin1(_ s: String) -> [UInt8]? {
        var out = [UInt8]()
        for u in s.unicodeScalars {
            guard u.value < 256 else { return nil }
            out.append(UInt8(u.value))
        }
        return out
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        let n = UInt32(data.count)
        let crc = crc32(typeBytes + data)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + typeBytes + data
            + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xff), UInt8(crc >> 8 & 0xff), UInt8(crc & 0xff)]
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xedb8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// The CRC-32 PNG chunks carry (ISO 3309), over chunk type and data.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xffff_ffff
    }
}
