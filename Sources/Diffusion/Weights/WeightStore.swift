/// Named weights for one model component, addressed by diffusers' own dotted names
/// (`down_blocks.0.resnets.1.conv1.weight`), whichever file layout they came from.
///
/// Every lookup is checked against the expected shape; what the model never asked for is
/// reported by `unusedKeys` so that a mis-mapped checkpoint cannot load silently.
public final class WeightStore: @unchecked Sendable {
    /// Where one diffusers-named tensor lives: a file key, optionally a row range of it
    /// (OpenCLIP's fused q/k/v `in_proj_weight`).
    public struct Source: Sendable {
        public let file: SafetensorsFile
        public let key: String
        public let rows: Range<Int>?
        public init(file: SafetensorsFile, key: String, rows: Range<Int>? = nil) {
            self.file = file
            self.key = key
            self.rows = rows
        }
    }

    private var sources: [String: Source]
    private var used = Set<String>()
    /// Synthetic weights (benchmarks): every requested tensor is drawn on the spot.
    private var synthetic: UInt64?
    /// File keys known to be unneeded (VAE encoder, SD 2's unused last text block, …).
    public private(set) var ignoredKeys: [String]
    private let fileKeys: [String]
    /// How the layers built from this store keep and multiply their weight matrices; set
    /// before building a model (fp32 unless asked, so results match diffusers' fp32).
    public var precision: ComputePrecision = .float32

    public init(sources: [String: Source], fileKeys: [String], ignoredKeys: [String] = []) {
        self.sources = sources
        self.fileKeys = fileKeys
        self.ignoredKeys = ignoredKeys
    }

    /// A diffusers-layout component file; `stripPrefix` removes an optional key prefix
    /// (transformers < 5 saved CLIP as `text_model.…`, transformers 5 without it).
    public convenience init(file: SafetensorsFile, stripPrefix: String? = nil, ignore: (String) -> Bool = { _ in false }) {
        var map = [String: Source]()
        var ignored = [String]()
        for key in file.entries.keys {
            if ignore(key) {
                ignored.append(key)
                continue
            }
            var name = key
            if let p = stripPrefix, name.hasPrefix(p) { name.removeFirst(p.count) }
            map[SingleFileNames.legacyDiffusersName(name)] = Source(file: file, key: key)
        }
        self.init(sources: map, fileKeys: file.entries.keys.filter { !ignore($0) }, ignoredKeys: ignored)
    }

    /// Random weights of whatever shape is asked for, for benchmarking full-size
    /// architectures without a checkpoint: matrices uniform with variance 1/fan_in, norm
    /// scales 1, small biases (keeps activations finite and away from denormals). A cheap
    /// xorshift generator: a billion parameters must not take a minute to draw.
    public convenience init(randomSeed: UInt64) {
        self.init(sources: [:], fileKeys: [])
        synthetic = randomSeed | 1
    }

    private static func uniform(_ count: Int, scale: Float, state: inout UInt64) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        var s = state
        for i in 0..<count {
            s ^= s << 13
            s ^= s >> 7
            s ^= s << 17
            out[i] = (Float(s >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
        state = s
        return out
    }

    public func contains(_ key: String) -> Bool { sources[key] != nil }

    /// The stored shape of `key` (after any row slicing), or nil when absent.
    public func shape(of key: String) -> [Int]? {
        guard let s = sources[key], let e = s.file.entries[s.key] else { return nil }
        var shape = e.shape
        if let r = s.rows { shape[0] = r.count }
        return shape
    }

    /// The tensor `key` as Float values; throws `missingWeight` or `shapeMismatch`.
    /// A [C, C, 1, 1] 1×1 convolution is accepted where a [C, C] linear weight is asked for
    /// (and the reverse): LDM and diffusers store the same numbers both ways.
    public func tensor(_ key: String, shape: [Int]) throws -> [Float] {
        if var state = synthetic {
            let count = shape.reduce(1, *)
            defer { synthetic = state }
            if shape.count >= 2 {
                // uniform(-a, a) has variance a²/3
                return Self.uniform(count, scale: (3 / Float(shape.dropFirst().reduce(1, *))).squareRoot(), state: &state)
            }
            if key.contains("norm") && key.hasSuffix(".weight") { return [Float](repeating: 1, count: count) }
            return Self.uniform(count, scale: 0.01, state: &state)
        }
        let s = try checkedSource(key, shape: shape)
        return try s.file.floats(s.key, rows: s.rows)
    }

    /// A (rows × width) lookup table such as CLIP's token embedding, read a row at a time
    /// from the file when one is asked for, instead of held in memory (SD 1.5's is 152 MB in
    /// fp32 and a prompt reads 77 of its 49408 rows); synthetic stores hold theirs.
    func table(_ key: String, shape: [Int]) throws -> EmbeddingTable {
        precondition(shape.count == 2)
        if synthetic != nil { return EmbeddingTable(try tensor(key, shape: shape), width: shape[1], precision: precision) }
        let s = try checkedSource(key, shape: shape)
        return EmbeddingTable(reader: try s.file.rowReader(s.key, rows: s.rows), width: shape[1], precision: precision)
    }

    /// Where `key` lives, after checking its shape; marks it used.
    private func checkedSource(_ key: String, shape: [Int]) throws -> Source {
        guard let s = sources[key] else {
            throw DiffusionError.missingWeight(key: key, file: sources.values.first?.file.path ?? "(no file)")
        }
        let found = self.shape(of: key) ?? []
        if found != shape && Self.squeezed(found) != Self.squeezed(shape) {
            throw DiffusionError.shapeMismatch(key: key, expected: shape, found: found)
        }
        used.insert(s.key)
        return s
    }

    /// The tensor `key` as a layer's weight matrix in this store's `precision` (`winograd`:
    /// a 3×3 convolution's, kept as Winograd transforms where the precision has them).
    func matrix(_ key: String, shape: [Int], rows: Int, columns: Int, role: WeightMatrix.Role, winograd: Bool = false) throws -> WeightMatrix {
        let matrix = WeightMatrix(
            try tensor(key, shape: shape), rows: rows, columns: columns, role: role, precision: precision, winograd: winograd)
        if key.hasSuffix(".weight") { layerShapes[String(key.dropLast(".weight".count))] = shape }
        return matrix
    }

    /// The Linear and Conv2d layers built from this store, by module name, with their
    /// weight shapes ([out, in] or [out, in, k, k]): what a LoRA may patch.
    public private(set) var layerShapes: [String: [Int]] = [:]

    private static func squeezed(_ s: [Int]) -> [Int] {
        var s = s
        while s.count > 2, s.last == 1 { s.removeLast() }
        return s
    }

    /// File keys present but never read (excluding `ignoredKeys` and buffers like position_ids).
    public var unusedKeys: [String] {
        fileKeys.filter { !used.contains($0) && !$0.hasSuffix("position_ids") }.sorted()
    }

    /// Throws when the file holds tensors no layer of `model` read: then it is not the
    /// model it claims to be, and loading it would silently drop part of it.
    func requireEveryTensorUsed(by model: String, path: String, except expected: (String) -> Bool = { _ in false }) throws {
        let unused = unusedKeys.filter { !expected($0) }
        guard unused.isEmpty else {
            throw DiffusionError.unsupportedModel("\(path): \(unused.count) tensors fit no layer of \(model) (\(unused.prefix(5).joined(separator: ", ")))")
        }
    }
}

/// What loading a model found: file keys it did not use and keys it ignored by design.
public struct LoadReport: Sendable, CustomStringConvertible {
    public var unusedKeys: [String]
    public var ignoredKeyCount: Int
    public var detectedConfiguration: String

    public var description: String {
        var s = "\(detectedConfiguration); \(unusedKeys.count) unused keys, \(ignoredKeyCount) ignored by design"
        if !unusedKeys.isEmpty { s += ": " + unusedKeys.prefix(10).joined(separator: ", ") + (unusedKeys.count > 10 ? ", …" : "") }
        return s
    }
}
