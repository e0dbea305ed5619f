import Foundation
import Testing

@testable import Diffusion

/// The safetensors reader and weight store: dtypes, and one clear error per kind of bad input.
@Suite struct SafetensorsTests {
    static func write(_ header: String, _ payload: [UInt8], name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let h = Array(header.utf8)
        var bytes = withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) }
        bytes += h + payload
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsF32F16AndBF16() throws {
        // 1.5 in each encoding, then -2
        let f32 = withUnsafeBytes(of: Float(1.5).bitPattern.littleEndian) { Array($0) } + withUnsafeBytes(of: Float(-2).bitPattern.littleEndian) { Array($0) }
        let f16: [UInt8] = [0x00, 0x3e, 0x00, 0xc0]
        let bf16: [UInt8] = [0xc0, 0x3f, 0x00, 0xc0]
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F16","shape":[2,1],"data_offsets":[8,12]},"c":{"dtype":"BF16","shape":[1,2],"data_offsets":[12,16]}}"#
        let f = try SafetensorsFile(path: try Self.write(header, f32 + f16 + bf16, name: "ok.safetensors"))
        #expect(try f.floats("a") == [1.5, -2])
        #expect(try f.floats("b") == [1.5, -2])
        #expect(try f.floats("c") == [1.5, -2])
        let store = WeightStore(file: f)
        #expect(try store.tensor("b", shape: [2, 1]) == [1.5, -2])
        #expect(throws: DiffusionError.shapeMismatch(key: "a", expected: [3], found: [2])) { try store.tensor("a", shape: [3]) }
        #expect(throws: DiffusionError.missingWeight(key: "zzz", file: f.path)) { try store.tensor("zzz", shape: [1]) }
        #expect(store.unusedKeys == ["a", "c"])
    }

    /// Lookup tables read a row at a time through their own descriptor: every dtype and row
    /// range reads as `floats` does, a checkpoint replaced by a rename still reads as loaded,
    /// and one truncated in place gives an error instead of SIGBUS.
    @Test func rowReadersReadWhatWasLoaded() throws {
        let f16: [UInt8] = [0x00, 0x3e, 0x00, 0xc0, 0x00, 0x3c, 0x00, 0x40, 0x00, 0x00, 0x00, 0x44]  // 1.5 -2 1 2 0 4
        let header = #"{"t":{"dtype":"F16","shape":[3,2],"data_offsets":[0,12]}}"#
        let path = try Self.write(header, f16, name: "table.safetensors")
        let file = try SafetensorsFile(path: path)
        let reader = try file.rowReader("t")
        #expect(try (0..<3).flatMap { try reader.row($0) } == file.floats("t"))
        #expect(try file.rowReader("t", rows: 1..<3).row(1) == [0, 4])
        let table = try WeightStore(file: file).table("t", shape: [3, 2])
        #expect(try table.row(2) == [0, 4])

        let replacement = try Self.write(header, [UInt8](repeating: 0, count: 12), name: "other.safetensors")
        #expect(rename(replacement, path) == 0)
        #expect(try reader.row(0) == [1.5, -2], "a file renamed over the checkpoint leaves the loaded one readable")

        let inPlace = try Self.write(header, f16, name: "inplace.safetensors")
        let truncated = try SafetensorsFile(path: inPlace).rowReader("t")
        #expect(truncate(inPlace, 10) == 0)
        #expect(throws: DiffusionError.self) { try truncated.row(2) }
    }

    @Test func truncatedFileIsReported() throws {
        let header = #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        let path = try Self.write(header, [0, 0, 0, 0], name: "short.safetensors")
        #expect {
            try SafetensorsFile(path: path)
        } throws: { error in
            guard case .malformedSafetensors(_, let reason) = error as? DiffusionError else { return false }
            return reason.contains("truncated")
        }
    }

    @Test func malformedHeadersAreReported() throws {
        for (header, payload) in [("not json at all", [UInt8]()), (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8))] {
            let path = try Self.write(header, payload, name: "bad.safetensors")
            #expect(throws: DiffusionError.self) { try SafetensorsFile(path: path) }
        }
        let tiny = try Self.write("", [], name: "empty.safetensors")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: tiny))
        #expect(throws: DiffusionError.self) { try SafetensorsFile(path: tiny) }
        // I64 tensors (SD 1.x's position_ids) are indexed, and refused only when read as weights
        let i64 = try Self.write(#"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8), name: "i64.safetensors")
        let file = try SafetensorsFile(path: i64)
        #expect(throws: DiffusionError.unsupportedDType(key: "a", dtype: "I64", file: i64)) { try file.floats("a") }
        let unknown = try Self.write(#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, [0], name: "q4.safetensors")
        #expect(throws: DiffusionError.unsupportedDType(key: "a", dtype: "Q4", file: unknown)) { try SafetensorsFile(path: unknown) }
    }

    @Test func pickledCheckpointsAreRefusedWithAnExplanation() throws {
        let path = try Self.write("", [], name: "model.ckpt")
        #expect {
            try StableDiffusionModel.load(path: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("arbitrary code") && text.contains("safetensors")
        }
        // a pickle renamed to .safetensors is caught by its magic bytes
        let disguised = try Self.write("", [], name: "disguised.safetensors")
        try Data([0x80, 0x02, 0x7d]).write(to: URL(fileURLWithPath: disguised))
        #expect(throws: DiffusionError.pickledCheckpoint(path: disguised)) { try StableDiffusionModel.load(path: disguised) }
    }

    @Test func missingPathIsReported() {
        #expect(throws: DiffusionError.fileNotFound(path: "/nonexistent/model")) { try StableDiffusionModel.load(path: "/nonexistent/model") }
    }
}
