import Foundation

/// One LoRA file, parsed for one model: the low-rank update of each layer it patches
/// (diffusers' "adapter"). Loading checks the whole file against the model first: a file
/// that names layers the model lacks, or tensor kinds this engine does not apply, is
/// refused with the names, never half-applied.
///
/// Matches what `pipe.load_lora_weights(file)` + `set_adapters([name], [weight])` does in
/// diffusers, and what AUTOMATIC1111 does for the text encoder too: W + weight · alpha/rank · up · down.
public final class LoraAdapter: Sendable {
    /// The file's stem: what `<lora:NAME>` says.
    public let name: String
    public let path: String
    /// AUTOMATIC1111's short hash (first 12 hex of the SHA-256 of the tensor data), for `Lora hashes:`.
    public let shortHash: String
    /// One line from a sidecar `NAME.txt`, else from the file's metadata; may be empty.
    public let summary: String
    private let updates: [LoraComponent: [String: LoraUpdate]]

    public init(path: String, targets: LoraTargets) throws {
        try StableDiffusionModel.refusePickle(path)
        guard path.lowercased().hasSuffix(".safetensors") else {
            throw DiffusionError.invalidLora(path: path, reason: "only .safetensors LoRA files are loaded")
        }
        let file = try SafetensorsFile(path: path)
        self.path = path
        name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        shortHash = String(file.tensorDataSHA256().prefix(12))
        summary = Self.summary(sidecar: URL(fileURLWithPath: path).deletingPathExtension().path + ".txt", metadata: file.metadata)

        // Group the factors by layer; anything that is not a factor is an error.
        var factors: [String: (component: LoraComponent, module: String, shape: [Int], keys: [LoraKeyNames.Factor: String])] = [:]
        var unknownModules: [String] = []
        var unsupported: [String] = []
        for key in file.entries.keys.sorted() {
            guard let parsed = LoraKeyNames.parse(key) else {
                unsupported.append(key)
                continue
            }
            guard let target = targets.resolve(parsed) else {
                unknownModules.append(key)
                continue
            }
            let id = "\(target.component.rawValue):\(target.module)"
            factors[id, default: (target.component, target.module, target.shape, [:])].keys[parsed.factor] = key
        }
        guard unsupported.isEmpty else {
            throw DiffusionError.invalidLora(path: path, reason: "tensors of a kind this engine does not apply (LoHa, LoKr, DoRA, SDXL, full diffs): \(Self.list(unsupported))")
        }
        guard unknownModules.isEmpty else {
            throw DiffusionError.invalidLora(path: path, reason: "names layers this model does not have (a LoRA for another model?): \(Self.list(unknownModules))")
        }
        guard !factors.isEmpty else { throw DiffusionError.invalidLora(path: path, reason: "holds no LoRA tensors") }

        let peft = PeftAdapterConfig.parse(file.metadata)
        var updates: [LoraComponent: [String: LoraUpdate]] = [:]
        for (_, layer) in factors.sorted(by: { $0.key < $1.key }) {
            guard let downKey = layer.keys[.down], let upKey = layer.keys[.up] else {
                let present = layer.keys.values.sorted().joined(separator: ", ")
                throw DiffusionError.invalidLora(path: path, reason: "\(layer.module) needs both a down and an up tensor; found \(present)")
            }
            let alpha = try layer.keys[.alpha].map { key -> Float in
                guard let value = try file.floats(key).first, value.isFinite else {
                    throw DiffusionError.invalidLora(path: path, reason: "\(key) is not a number")
                }
                return value
            }
            // An alpha tensor wins; else diffusers' saved PEFT config; else alpha = rank.
            let config = peft[layer.component]
            let scale = { (rank: Int) -> Float in
                if let alpha { return alpha / Float(rank) }
                return config?.scale(module: layer.module, rank: rank) ?? 1
            }
            do {
                updates[layer.component, default: [:]][layer.module] = try LoraUpdate(
                    down: file.floats(downKey), downShape: file.entries[downKey]?.shape ?? [],
                    up: file.floats(upKey), upShape: file.entries[upKey]?.shape ?? [], scale: scale, layer: layer.shape)
            } catch let error as LoraShapeError {
                let key = error.factor == "down" ? downKey : upKey
                throw DiffusionError.invalidLora(
                    path: path, reason: "\(key) has shape \(error.found), expected \(error.expected) for this model's \(layer.module)")
            }
        }
        self.updates = updates
    }

    /// A LoRA of seeded random factors for every layer `patches` selects (benchmarks:
    /// a full-size model's LoRA without a file).
    public init(randomFor targets: LoraTargets, name: String, rank: Int, seed: UInt64, patches: (String) -> Bool) throws {
        var generator = TorchRandomSource(seed: seed)
        var unet: [String: LoraUpdate] = [:]
        for (module, shape) in targets.layers[.unet] ?? [:] where patches(module) {
            let columns = shape.dropFirst().reduce(1, *)
            unet[module] = try LoraUpdate(
                down: generator.randn(rank * columns).map { $0 * 0.01 }, downShape: [rank] + shape.dropFirst(),
                up: generator.randn(shape[0] * rank).map { $0 * 0.01 }, upShape: [shape[0], rank], scale: { _ in 1 }, layer: shape)
        }
        self.name = name
        path = "(random)"
        shortHash = String(repeating: "0", count: 12)
        summary = ""
        updates = [.unet: unet]
    }

    func updates(for component: LoraComponent) -> [String: LoraUpdate] { updates[component] ?? [:] }

    /// Layers patched, per component.
    public func layerCount(_ component: LoraComponent) -> Int { updates[component]?.count ?? 0 }

    /// Memory the parsed factors hold (fp32).
    public var byteCount: Int { updates.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.byteCount } } }

    private static func summary(sidecar: String, metadata: [String: String]) -> String {
        let fromFile = (try? String(contentsOfFile: sidecar, encoding: .utf8))?
            .split(whereSeparator: \.isNewline).first.map(String.init)
        let text = fromFile ?? metadata["modelspec.description"] ?? metadata["description"] ?? metadata["modelspec.title"] ?? ""
        return String(text.trimmingCharacters(in: .whitespaces).prefix(200))
    }

    private static func list(_ keys: [String]) -> String {
        keys.prefix(8).joined(separator: ", ") + (keys.count > 8 ? " and \(keys.count - 8) more" : "")
    }
}
