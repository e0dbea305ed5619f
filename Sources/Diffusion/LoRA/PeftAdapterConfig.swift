import Foundation

/// The PEFT `LoraConfig` diffusers stores in a LoRA file's metadata when it saves one
/// (`__metadata__["lora_adapter_metadata"]`, keys prefixed `unet.` / `text_encoder.`), which
/// `load_lora_weights` applies instead of guessing: per layer, scale = lora_alpha / r, or
/// lora_alpha / √r with `use_rslora`, where `alpha_pattern` and `rank_pattern` override
/// both for the layers they name (PEFT matches a pattern against the end of the module path).
struct PeftAdapterConfig {
    var loraAlpha: Double?
    var r: Int?
    var alphaPattern: [String: Double] = [:]
    var rankPattern: [String: Int] = [:]
    var useRsLora = false

    /// One config per component the metadata describes; empty when the file has none.
    static func parse(_ metadata: [String: String]) -> [LoraComponent: PeftAdapterConfig] {
        guard let raw = metadata["lora_adapter_metadata"], let data = raw.data(using: .utf8),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [:] }
        var configs: [LoraComponent: PeftAdapterConfig] = [:]
        for (component, prefix) in [(LoraComponent.unet, "unet."), (.textEncoder, "text_encoder.")] {
            let values = json.filter { $0.key.hasPrefix(prefix) }
            guard !values.isEmpty else { continue }
            func value(_ key: String) -> Any? { values[prefix + key] }
            var config = PeftAdapterConfig()
            config.loraAlpha = (value("lora_alpha") as? NSNumber)?.doubleValue
            config.r = (value("r") as? NSNumber)?.intValue
            config.alphaPattern = ((value("alpha_pattern") as? [String: NSNumber]) ?? [:]).mapValues(\.doubleValue)
            config.rankPattern = ((value("rank_pattern") as? [String: NSNumber]) ?? [:]).mapValues(\.intValue)
            config.useRsLora = (value("use_rslora") as? NSNumber)?.boolValue ?? false
            configs[component] = config
        }
        return configs
    }

    /// The scale of `module`, whose factors have rank `rank` (used where the config names no r).
    func scale(module: String, rank: Int) -> Float {
        let r = Self.match(rankPattern, module) ?? r ?? rank
        let alpha = Self.match(alphaPattern, module) ?? loraAlpha ?? Double(r)
        return Float(useRsLora ? alpha / Double(r).squareRoot() : alpha / Double(r))
    }

    /// PEFT's get_pattern_key: a pattern names the module when it equals a dotted suffix of it.
    private static func match<V>(_ patterns: [String: V], _ module: String) -> V? {
        patterns.first { module == $0.key || module.hasSuffix("." + $0.key) }?.value
    }
}
