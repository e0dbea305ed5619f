import Foundation
import Testing

@testable import Diffusion

/// Path of the committed fixtures (Tests/DiffusionTests/Fixtures, copied as a resource).
let fixtures: String = Bundle.module.path(forResource: "Fixtures", ofType: nil) ?? "Tests/DiffusionTests/Fixtures"

func loadJSON(_ name: String) throws -> Any {
    let data = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name))
    return try JSONSerialization.jsonObject(with: data)
}

/// Reference tensors written by scripts/diffusers/make_reference_fixtures.py.
func reference(_ file: String, _ key: String) throws -> (shape: [Int], data: [Float]) {
    let f = try SafetensorsFile(path: fixtures + "/" + file)
    guard let e = f.entries[key] else { throw DiffusionError.missingWeight(key: key, file: file) }
    return (e.shape, try f.floats(key))
}

/// Checks shape, then max-abs error relative to the reference's scale (max |ref|), and
/// prints the first values side by side on failure.
func expectClose(
    _ actual: [Float], _ expected: [Float], shape actualShape: [Int]? = nil, expectedShape: [Int]? = nil,
    relative tolerance: Float, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    if let a = actualShape, let e = expectedShape {
        #expect(a == e, "\(what): shape \(a) != \(e)", sourceLocation: sourceLocation)
        if a != e { return }
    }
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard actual.count == expected.count, !expected.isEmpty else { return }
    let scale = max(expected.map { abs($0) }.max() ?? 0, 1e-12)
    var maxErr: Float = 0
    var sq: Double = 0
    var ref: Double = 0
    for i in expected.indices {
        let d = abs(actual[i] - expected[i])
        maxErr = max(maxErr, d.isNaN ? .infinity : d)
        sq += Double(d * d)
        ref += Double(expected[i] * expected[i])
    }
    let rel = maxErr / scale
    let nmse = sq / max(ref, 1e-30)
    #expect(
        rel <= tolerance,
        "\(what): max-abs error \(maxErr) = \(rel) of scale \(scale) (nmse \(nmse)) > \(tolerance); first values actual \(Array(actual.prefix(5))) expected \(Array(expected.prefix(5)))",
        sourceLocation: sourceLocation)
}

/// Deterministic pseudo-random test data.
func testData(_ n: Int, seed: UInt64) -> [Float] {
    var g = TorchRandomSource(seed: seed)
    return g.randn(n)
}

/// A fixture model; the single-file checkpoints are read with their folder's configs
/// (their tiny channel counts do not follow SD's 32-group convention).
func loadFixtureModel(_ name: String, precision: ComputePrecision = .float32) throws -> StableDiffusionModel {
    let config = name.hasSuffix(".safetensors") ? fixtures + "/" + name.replacingOccurrences(of: ".safetensors", with: "") : nil
    return try StableDiffusionModel.load(path: fixtures + "/" + name, precision: precision, config: config)
}
