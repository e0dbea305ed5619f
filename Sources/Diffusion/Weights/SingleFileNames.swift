/// The one table from the original Stable Diffusion (LDM) checkpoint layout to diffusers
/// names. Grep here for any `model.diffusion_model.…`, `first_stage_model.…` or
/// `cond_stage_model.…` key. Mirrors diffusers' `convert_ldm_unet_checkpoint`,
/// `convert_ldm_vae_checkpoint`, `convert_ldm_clip_checkpoint` and
/// `convert_open_clip_checkpoint` (src/diffusers/loaders/single_file_utils.py).
public enum SingleFileNames {
    public static let unetPrefix = "model.diffusion_model."
    public static let vaePrefix = "first_stage_model."
    public static let clipPrefix = "cond_stage_model.transformer."  // SD 1.x, OpenAI CLIP ViT-L
    public static let openClipPrefix = "cond_stage_model.model."  // SD 2.x, OpenCLIP ViT-H

    /// ResnetBlock2D: LDM `ResBlock` sublayer → diffusers name.
    static let unetResnet: [(String, String)] = [
        ("in_layers.0.", "norm1."), ("in_layers.2.", "conv1."), ("emb_layers.1.", "time_emb_proj."),
        ("out_layers.0.", "norm2."), ("out_layers.3.", "conv2."), ("skip_connection.", "conv_shortcut."),
    ]
    static let unetTopLevel: [(String, String)] = [
        ("time_embed.0.", "time_embedding.linear_1."), ("time_embed.2.", "time_embedding.linear_2."),
        ("input_blocks.0.0.", "conv_in."), ("out.0.", "conv_norm_out."), ("out.2.", "conv_out."),
    ]
    /// The VAE mid-block attention, both generations of names (LDM 1×1 convs `q/k/v/proj_out`).
    static let vaeAttention: [(String, String)] = [
        ("norm.", "group_norm."), ("q.", "to_q."), ("k.", "to_k."), ("v.", "to_v."), ("proj_out.", "to_out.0."),
    ]
    /// Old diffusers (< 0.14) VAE attention names.
    static let legacyAttention: [(String, String)] = [
        ("query.", "to_q."), ("key.", "to_k."), ("value.", "to_v."), ("proj_attn.", "to_out.0."),
    ]
    /// OpenCLIP resblock sublayer → CLIPEncoderLayer name.
    static let openClipLayer: [(String, String)] = [
        ("ln_1.", "layer_norm1."), ("ln_2.", "layer_norm2."), ("mlp.c_fc.", "mlp.fc1."), ("mlp.c_proj.", "mlp.fc2."),
        ("attn.out_proj.", "self_attn.out_proj."),
    ]

    static func replacePrefix(_ s: Substring, _ table: [(String, String)]) -> String? {
        for (a, b) in table where s.hasPrefix(a) { return b + s.dropFirst(a.count) }
        return nil
    }

    /// Renames pre-0.14 diffusers VAE attention keys (`…attentions.0.query.weight`).
    public static func legacyDiffusersName(_ key: String) -> String {
        guard key.contains("attentions.") else { return key }
        for (a, b) in legacyAttention {
            if let r = key.range(of: "." + a) { return key.replacingCharacters(in: r, with: "." + b) }
        }
        return key
    }

    /// U-Net: `model.diffusion_model.X` → diffusers name. `layersPerBlock` comes from the
    /// first downsampler's position (`input_blocks.{L+1}.0.op`).
    public static func unet(_ key: String, layersPerBlock L: Int) -> String? {
        guard key.hasPrefix(unetPrefix) else { return nil }
        let k = key.dropFirst(unetPrefix.count)
        if let r = replacePrefix(k, unetTopLevel) { return r }
        if k.hasPrefix("middle_block.") {  // middle_block.{0,1,2}.…: resnet, attention, resnet
            let parts = k.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, let sub = Int(parts[1]) else { return nil }
            if sub == 1 { return "mid_block.attentions.0." + parts[2] }
            return "mid_block.resnets.\(sub / 2)." + (replacePrefix(parts[2], unetResnet) ?? String(parts[2]))
        }
        let parts = k.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, let n = Int(parts[1]), let sub = Int(parts[2]) else { return nil }
        let rest = Substring(parts[3])
        switch parts[0] {
        case "input_blocks":
            let i = (n - 1) / (L + 1)
            if n % (L + 1) == 0 {  // downsampler: input_blocks.{(L+1)(i+1)}.0.op
                return "down_blocks.\(n / (L + 1) - 1).downsamplers.0.conv." + rest.dropFirst("op.".count)
            }
            let j = (n - 1) % (L + 1)
            if sub == 0 { return "down_blocks.\(i).resnets.\(j)." + (replacePrefix(rest, unetResnet) ?? String(rest)) }
            return "down_blocks.\(i).attentions.\(j)." + rest
        case "output_blocks":
            let i = n / (L + 1)
            let j = n % (L + 1)
            if sub == 0 { return "up_blocks.\(i).resnets.\(j)." + (replacePrefix(rest, unetResnet) ?? String(rest)) }
            if rest.hasPrefix("conv.") { return "up_blocks.\(i).upsamplers.0." + rest }
            return "up_blocks.\(i).attentions.\(j)." + rest
        default: return nil
        }
    }

    /// VAE: `first_stage_model.X` → diffusers name; nil for the encoder side (not used to
    /// decode). `blocks` is the number of decoder levels (`decoder.up.{0..blocks-1}`),
    /// numbered in reverse in LDM (`up.{blocks-1-i}` is diffusers' `up_blocks.i`).
    public static func vae(_ key: String, blocks: Int) -> String? {
        guard key.hasPrefix(vaePrefix) else { return nil }
        let k = String(key.dropFirst(vaePrefix.count))
        if k.hasPrefix("post_quant_conv.") { return k }
        guard k.hasPrefix("decoder.") else { return nil }
        var rest = Substring(k.dropFirst("decoder.".count))
        var out = "decoder."
        if rest.hasPrefix("norm_out.") { return out + "conv_norm_out." + rest.dropFirst("norm_out.".count) }
        if rest.hasPrefix("mid.attn_1.") {
            rest = rest.dropFirst("mid.attn_1.".count)
            return out + "mid_block.attentions.0." + (replacePrefix(rest, vaeAttention) ?? legacyDiffusersName(String(rest)))
        }
        if rest.hasPrefix("mid.block_1.") || rest.hasPrefix("mid.block_2.") {
            let idx = rest.hasPrefix("mid.block_1.") ? 0 : 1
            rest = rest.dropFirst("mid.block_1.".count)
            return out + "mid_block.resnets.\(idx)." + rest.replacingOccurrences(of: "nin_shortcut", with: "conv_shortcut")
        }
        if rest.hasPrefix("up.") {
            let parts = rest.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, let lvl = Int(parts[1]) else { return nil }
            let i = blocks - 1 - lvl
            let tail = parts[2]
            if tail.hasPrefix("upsample.") { return out + "up_blocks.\(i).upsamplers.0." + tail.dropFirst("upsample.".count) }
            if tail.hasPrefix("block.") {
                out += "up_blocks.\(i).resnets." + tail.dropFirst("block.".count)
                return out.replacingOccurrences(of: "nin_shortcut", with: "conv_shortcut")
            }
            return nil
        }
        return out + rest  // conv_in, conv_out
    }

    /// SD 1.x text encoder: `cond_stage_model.transformer.text_model.X` → X.
    public static func clip(_ key: String) -> String? {
        guard key.hasPrefix(clipPrefix) else { return nil }
        var k = key.dropFirst(clipPrefix.count)
        if k.hasPrefix("text_model.") { k = k.dropFirst("text_model.".count) }
        return String(k)
    }

    /// SD 2.x OpenCLIP text tower → CLIPTextModel names. Returns one or three (name, row
    /// range) pairs (the fused `attn.in_proj_*` splits into q/k/v); nil for keys SD never
    /// uses (text_projection, logit_scale, the last resblock when `layers` excludes it).
    public static func openClip(_ key: String, hiddenSize d: Int, layers: Int) -> [(String, Range<Int>?)]? {
        guard key.hasPrefix(openClipPrefix) else { return nil }
        let k = key.dropFirst(openClipPrefix.count)
        switch k {
        case "token_embedding.weight": return [("embeddings.token_embedding.weight", nil)]
        case "positional_embedding": return [("embeddings.position_embedding.weight", nil)]
        case "ln_final.weight": return [("final_layer_norm.weight", nil)]
        case "ln_final.bias": return [("final_layer_norm.bias", nil)]
        default: break
        }
        let blockPrefix = "transformer.resblocks."
        guard k.hasPrefix(blockPrefix) else { return nil }
        let parts = k.dropFirst(blockPrefix.count).split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let i = Int(parts[0]), i < layers else { return nil }
        let p = "encoder.layers.\(i)."
        let rest = parts[1]
        if rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias" {
            let suffix = rest.hasSuffix("weight") ? "weight" : "bias"
            return [
                (p + "self_attn.q_proj." + suffix, 0..<d), (p + "self_attn.k_proj." + suffix, d..<(2 * d)),
                (p + "self_attn.v_proj." + suffix, (2 * d)..<(3 * d)),
            ]
        }
        guard let r = replacePrefix(rest, openClipLayer) else { return nil }
        return [(p + r, nil)]
    }
}
