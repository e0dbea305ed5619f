import Foundation
import PNG
import Testing

@testable import Diffusion

/// PNG output: a valid file with the `parameters` chunk AUTOMATIC1111 writes, read back
/// with an independent chunk walker that checks every CRC.
@Suite struct PNGTests {
    struct Chunk { let type: String; let data: [UInt8] }

    static func chunks(_ png: [UInt8]) throws -> [Chunk] {
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        var out = [Chunk]()
        var i = 8
        while i + 12 <= png.count {
            let n = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            let type = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
            let data = Array(png[(i + 8)..<(i + 8 + n)])
            let crc = UInt32(png[i + 8 + n]) << 24 | UInt32(png[i + 9 + n]) << 16 | UInt32(png[i + 10 + n]) << 8 | UInt32(png[i + 11 + n])
            #expect(crc == PNGEncoderCRC.crc(Array(png[(i + 4)..<(i + 8 + n)])), "bad CRC on \(type)")
            out.append(Chunk(type: type, data: data))
            i += 12 + n
        }
        #expect(i == png.count)
        return out
    }

    @Test func writesImageAndA1111Parameters() throws {
        let request = GenerationRequest(prompt: "a red fox", negativePrompt: "blurry", seed: 42, guidanceScale: 7.5)
        let options = GenerationOptions(width: 64, height: 32, steps: 20, sampler: .eulerAncestral)
        let text = InfoText.parameters(request: request, options: options, sampler: .eulerAncestral, modelName: "v1-5")
        #expect(text == "a red fox\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 64x32, Model: v1-5")
        let pixels = (0..<(64 * 32 * 3)).map { UInt8($0 % 251) }
        let png = try PNGEncoder.encode(width: 64, height: 32, rgb: pixels, text: [("parameters", text)])
        let chunks = try Self.chunks(png)
        #expect(Array(chunks.map(\.type).prefix(2)) == ["IHDR", "tEXt"])
        #expect(chunks.last?.type == "IEND")
        #expect(chunks.contains { $0.type == "IDAT" })
        let ihdr = try #require(chunks.first)
        #expect(Array(ihdr.data.prefix(8)) == [0, 0, 0, 64, 0, 0, 0, 32])
        #expect(ihdr.data[8] == 8 && ihdr.data[9] == 2)  // 8-bit RGB
        let t = try #require(chunks.first { $0.type == "tEXt" })
        #expect(t.data == Array("parameters".utf8) + [0] + Array(text.utf8))
    }

    @Test func nonLatin1PromptGoesIntoITXt() throws {
        let png = try PNGEncoder.encode(width: 1, height: 1, rgb: [1, 2, 3], text: [("parameters", "東京 🚀")])
        let chunks = try Self.chunks(png)
        let t = try #require(chunks.first { $0.type == "iTXt" })
        #expect(t.data == Array("parameters".utf8) + [0, 0, 0, 0, 0] + Array("東京 🚀".utf8))
    }

    @Test func rejectsWrongBufferSize() {
        #expect(throws: PNGEncoder.Failure.self) { try PNGEncoder.encode(width: 2, height: 2, rgb: [0, 0, 0]) }
    }
}

/// An independent CRC-32 (bitwise, no table) to check the encoder's.
enum PNGEncoderCRC {
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xffff_ffff
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c >> 1) ^ (0xedb8_8320 & (0 &- (c & 1))) }
        }
        return ~c
    }
}
