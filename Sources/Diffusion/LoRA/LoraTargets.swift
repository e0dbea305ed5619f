/// The layers of a loaded model that a LoRA may patch: every Linear and Conv2d of the
/// U-Net and the text encoder, by diffusers module name, with its weight shape.
public struct LoraTargets: Sendable {
    let layers: [LoraComponent: [String: [Int]]]
    /// kohya spelling (dots as underscores) → module name, per component.
    private let kohyaNames: [LoraComponent: [String: String]]
    /// The U-Net's layers per block, which original-SD names depend on.
    private let layersPerBlock: Int

    init(unet: [String: [Int]], textEncoder: [String: [Int]], layersPerBlock: Int = 2) {
        layers = [.unet: unet, .textEncoder: textEncoder]
        self.layersPerBlock = layersPerBlock
        kohyaNames = layers.mapValues { modules in
            Dictionary(modules.keys.map { (LoraKeyNames.kohyaName($0), $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The module a parsed key names, with its component and shape; nil when the model has no such layer.
    func resolve(_ parsed: LoraKeyNames.Parsed) -> (component: LoraComponent, module: String, shape: [Int])? {
        let components = parsed.component.map { [$0] } ?? [.unet, .textEncoder]
        for component in components {
            let module = parsed.kohya ? kohyaNames[component]?[parsed.module] : parsed.module
            if let module, let shape = layers[component]?[module] { return (component, module, shape) }
        }
        // Older kohya files name U-Net layers as the original checkpoint does.
        if parsed.kohya, parsed.component == .unet, let original = LoraKeyNames.originalUNetName(parsed.module),
           let name = SingleFileNames.unet(SingleFileNames.unetPrefix + original + ".weight", layersPerBlock: layersPerBlock),
           name.hasSuffix(".weight") {
            let module = String(name.dropLast(".weight".count))
            if let shape = layers[.unet]?[module] { return (.unet, module, shape) }
        }
        return nil
    }
}
