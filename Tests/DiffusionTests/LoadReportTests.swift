import Foundation
import Testing

@testable import Diffusion

/// A checkpoint with a tensor too many is loaded and the extra key reported; one with a
/// tensor missing fails with the diffusers name of what is missing.
@Suite struct LoadReportTests {
    /// Rewrites `source` keeping raw tensor bytes, minus `drop`, plus one extra F32 tensor,
    /// each key renamed by `rename`; into `destination` (a new temporary file when nil).
    static func rewrite(
        _ source: String, drop: String?, extra: String?, rename: (String) -> String = { $0 }, destination: String? = nil,
        metadata: [String: String]? = nil
    ) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let bytes = [UInt8](data)
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        var newHeader = [String: Any]()
        var payload = [UInt8]()
        for (key, value) in header.sorted(by: { $0.key < $1.key }) where key != "__metadata__" && key != drop {
            guard var info = value as? [String: Any], let offsets = info["data_offsets"] as? [Int] else { continue }
            let start = payload.count
            payload += bytes[(8 + n + offsets[0])..<(8 + n + offsets[1])]
            info["data_offsets"] = [start, payload.count]
            newHeader[rename(key)] = info
        }
        if let extra {
            newHeader[extra] = ["dtype": "F32", "shape": [2], "data_offsets": [payload.count, payload.count + 8]]
            payload += [UInt8](repeating: 0, count: 8)
        }
        if let metadata { newHeader["__metadata__"] = metadata }
        let json = [UInt8](try JSONSerialization.data(withJSONObject: newHeader))
        var out = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
        out += json + payload
        let path = destination
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UInt32.random(in: 0...UInt32.max)).safetensors").path
        try Data(out).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func extraKeyIsReportedAsUnused() throws {
        let path = try Self.rewrite(fixtures + "/sd1-tiny.safetensors", drop: nil, extra: "model.diffusion_model.some_new_layer.weight")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = try StableDiffusionModel.load(path: path, config: fixtures + "/sd1-tiny")
        #expect(model.report.unusedKeys == ["model.diffusion_model.some_new_layer.weight"])
        #expect(model.report.description.contains("1 unused keys"))
    }

    @Test func missingKeyNamesTheDiffusersTensor() throws {
        let path = try Self.rewrite(fixtures + "/sd1-tiny.safetensors", drop: "model.diffusion_model.output_blocks.4.1.proj_out.bias", extra: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: DiffusionError.missingWeight(key: "up_blocks.1.attentions.1.proj_out.bias", file: path)) {
            try StableDiffusionModel.load(path: path, config: fixtures + "/sd1-tiny")
        }
    }

    @Test func wrongShapeIsReported() throws {
        // an F32 [2] tensor where the VAE's post_quant_conv bias [4] belongs
        let dropped = try Self.rewrite(fixtures + "/sd1-tiny.safetensors", drop: "first_stage_model.post_quant_conv.bias", extra: "first_stage_model.post_quant_conv.bias")
        defer { try? FileManager.default.removeItem(atPath: dropped) }
        #expect(throws: DiffusionError.shapeMismatch(key: "post_quant_conv.bias", expected: [4], found: [2])) {
            try StableDiffusionModel.load(path: dropped, config: fixtures + "/sd1-tiny")
        }
    }
}
