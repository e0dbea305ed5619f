/// Where each tensor of a LoRA file goes: every naming scheme in the wild, converging on
/// the diffusers module names the model's layers carry.
///
/// - kohya / AUTOMATIC1111: `lora_unet_<module path, dots as underscores>` and
///   `lora_te_text_model_<…>`, with `.lora_down.weight`, `.lora_up.weight`, `.alpha`.
/// - diffusers / PEFT: `unet.<module path>.lora_A.weight` / `.lora_B.weight`,
///   `text_encoder.text_model.<…>`; older diffusers files `.lora.down.weight` /
///   `.lora.up.weight`, `.lora_linear_layer.down/up.weight`, and attention-processor names
///   (`attn1.processor.to_q_lora.down.weight`).
///
/// - older kohya files with original-SD U-Net names (`lora_unet_input_blocks_1_1_proj_in`),
///   read through the checkpoint converter (`SingleFileNames.unet`).
///
/// Not understood (and so refused, never half-applied): LoHa/LoKr/DoRA tensors and SDXL's
/// `lora_te1_`/`lora_te2_`.
enum LoraKeyNames {
    enum Factor: Sendable { case down, up, alpha }

    /// A tensor's role: which layer (as written in the file) and which factor.
    struct Parsed: Sendable, Equatable {
        /// nil when the file does not say (old attention-processor files: the U-Net).
        let component: LoraComponent?
        /// A diffusers module path, or for kohya names the path with dots as underscores.
        let module: String
        let kohya: Bool
        let factor: Factor

        static func == (a: Parsed, b: Parsed) -> Bool {
            a.component == b.component && a.module == b.module && a.kohya == b.kohya && a.factor == b.factor
        }
    }

    private static let factorSuffixes: [(String, Factor)] = [
        (".lora_down.weight", .down), (".lora_up.weight", .up),
        (".lora_A.weight", .down), (".lora_B.weight", .up),
        (".lora.down.weight", .down), (".lora.up.weight", .up),
        (".lora_linear_layer.down.weight", .down), (".lora_linear_layer.up.weight", .up),
        ("_lora.down.weight", .down), ("_lora.up.weight", .up),
        (".alpha", .alpha),
    ]

    /// nil for a key that is no LoRA factor this engine applies.
    static func parse(_ key: String) -> Parsed? {
        guard let (suffix, factor) = factorSuffixes.first(where: { key.hasSuffix($0.0) }) else { return nil }
        let stem = String(key.dropLast(suffix.count))
        if let rest = stem.dropping(prefix: "lora_unet_") {
            return Parsed(component: .unet, module: rest, kohya: true, factor: factor)
        }
        if let rest = stem.dropping(prefix: "lora_te_") {
            return Parsed(component: .textEncoder, module: rest.dropping(prefix: "text_model_") ?? rest, kohya: true, factor: factor)
        }
        if stem.hasPrefix("lora_") { return nil }  // lora_te1_, lora_te2_ (SDXL), other kohya families
        var component: LoraComponent?
        var path = stem
        if let rest = path.dropping(prefix: "unet.") {
            component = .unet
            path = rest
        } else if let rest = path.dropping(prefix: "text_encoder.") {
            component = .textEncoder
            path = rest
        }
        path = path.dropping(prefix: "base_model.model.") ?? path
        path = path.dropping(prefix: "text_model.") ?? path
        return Parsed(component: component, module: processorFree(path), kohya: false, factor: factor)
    }

    /// `attn1.processor.to_out` → `attn1.to_out.0`: attention-processor LoRAs named the
    /// projections of diffusers' `Attention` by their processor attribute.
    private static func processorFree(_ path: String) -> String {
        guard let range = path.range(of: ".processor.") else { return path }
        let projection = path[range.upperBound...]
        return path[..<range.lowerBound] + "." + (projection == "to_out" ? "to_out.0" : projection)
    }

    /// The kohya spelling of a module path.
    static func kohyaName(_ module: String) -> String { module.replacingOccurrences(of: ".", with: "_") }

    /// An original-SD U-Net module in kohya spelling (`input_blocks_1_1_transformer_blocks_0_attn1_to_q`)
    /// as the checkpoint's dotted name (`input_blocks.1.1.transformer_blocks.0.attn1.to_q`); nil
    /// when it is not one.
    static func originalUNetName(_ kohya: String) -> String? {
        let head: String
        let rest: Substring
        if let match = kohya.wholeMatch(of: /(input_blocks|output_blocks)_(\d+)_(\d+)_(.+)/) {
            head = "\(match.1).\(match.2).\(match.3)."
            rest = match.4
        } else if let match = kohya.wholeMatch(of: /middle_block_(\d+)_(.+)/) {
            head = "middle_block.\(match.1)."
            rest = match.2
        } else if let match = kohya.wholeMatch(of: /(time_embed|out)_(\d+)/) {
            return "\(match.1).\(match.2)"
        } else {
            return nil
        }
        var dotted = String(rest)
        dotted.replace(/transformer_blocks_(\d+)_/) { "transformer_blocks.\($0.1)." }
        dotted.replace(/attn(\d)_to_out_0/) { "attn\($0.1).to_out.0" }
        dotted.replace(/attn(\d)_to_(q|k|v)/) { "attn\($0.1).to_\($0.2)" }
        dotted.replace("ff_net_0_proj", with: "ff.net.0.proj")
        dotted.replace("ff_net_2", with: "ff.net.2")
        dotted.replace(/(in_layers|out_layers|emb_layers)_(\d+)/) { "\($0.1).\($0.2)" }
        return head + dotted
    }
}

extension String {
    fileprivate func dropping(prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
