/// The layers of a loaded model that a LoRA may patch: every Linear and Conv2d of the
/// U-Net and the text encoder, by diffusers module name, with its weight shape.
public struct LoraTargets: Sendable {
    let layers: [LoraComponent: [String: [Int]]]
    /// kohya spelling (dots as underscores) → module name, per component.
    private let kohyaNames: [LoraComponent: [String: String]]

    init(unet: [String: [Int]], textEncoder: [String: [Int]]) {
        layers = [.unet: unet, .textEncoder: textEncoder]
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
        return nil
    }
}
