import Foundation
import Testing

@testable import Diffusion

/// The .npy reader behind `render --latents/--step-noise`.
@Suite struct NPYTests {
    static func write(_ header: String, _ values: [Float]) throws -> String {
        var h = Array(header.utf8)
        while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
        h.append(0x0a)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(h.count & 0xff), UInt8(h.count >> 8)] + h
        for v in values { bytes += withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UInt32.random(in: 0...UInt32.max)).npy").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsFloat32CArrays() throws {
        let values: [Float] = [1, -2.5, 3, 4, 5, 6]
        let path = try Self.write("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", values)
        let t = try NPY.read(path: path)
        #expect(t.shape == [1, 2, 3])
        #expect(t.data == values)
    }

    @Test func refusesOtherDtypesAndShortData() throws {
        let f64 = try Self.write("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", [0, 0, 0, 0])
        #expect(throws: DiffusionError.self) { try NPY.read(path: f64) }
        let short = try Self.write("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", [1, 2])
        #expect(throws: DiffusionError.self) { try NPY.read(path: short) }
    }

    @Test func infoTextFormatsGuidanceAndClipSkip() {
        let r = GenerationRequest(prompt: "p", seed: 7, guidanceScale: 7)
        let o = GenerationOptions(width: 512, height: 768, steps: 30, sampler: .dpmpp2MKarras, clipSkip: 1)
        #expect(InfoText.parameters(request: r, options: o, sampler: .dpmpp2MKarras, modelName: "m")
            == "p\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 7, Size: 512x768, Model: m, Clip skip: 2")
        #expect(InfoText.parameters(request: r, options: o, sampler: .dpmpp2MKarras, modelName: "m", typedPrompt: "p <lora:x:1>", precision: .bfloat16)
            == "p <lora:x:1>\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 7, Size: 512x768, Model: m, Clip skip: 2, Precision: bfloat16")
    }
}
