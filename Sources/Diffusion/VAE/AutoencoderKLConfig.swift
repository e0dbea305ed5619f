/// AutoencoderKL's decoder architecture. Defaults are SD's VAE.
public struct AutoencoderKLConfig: Sendable, Equatable, CustomStringConvertible {
    /// Channels per level (128, 256, 512, 512); the decoder walks them in reverse.
    public var blockOutChannels = [128, 256, 512, 512]
    /// ResnetBlock2D per encoder level (2); decoder levels have one more.
    public var layersPerBlock = 2
    public var latentChannels = 4
    public var outChannels = 3
    public var normNumGroups = 32
    /// Latents are divided by this before decoding (0.18215 for SD 1.x/2.x).
    public var scalingFactor: Float = 0.18215
    /// Newer configs may drop the 1×1 post_quant_conv (`use_post_quant_conv: false`).
    public var usePostQuantConv = true
    /// The image size the VAE was trained at (512 for SD 1.x's VAE, 768 for SD 2.x's 768-v):
    /// only tiled decoding reads it, as its tile size in pixels.
    public var sampleSize = 512

    public init() {}

    public var description: String { "VAE channels \(blockOutChannels), layers \(layersPerBlock), groups \(normNumGroups), scaling \(scalingFactor), sample size \(sampleSize)" }

    init(json: JSONConfig) throws {
        blockOutChannels = json.intList("block_out_channels", count: 4, blockOutChannels)
        let up = json.strings("up_block_types", Array(repeating: "UpDecoderBlock2D", count: blockOutChannels.count))
        guard up.count == blockOutChannels.count, up.allSatisfy({ $0 == "UpDecoderBlock2D" }) else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "up_block_types \(up) not supported")
        }
        layersPerBlock = json.int("layers_per_block", 2)
        latentChannels = json.int("latent_channels", 4)
        outChannels = json.int("out_channels", 3)
        normNumGroups = json.int("norm_num_groups", 32)
        scalingFactor = Float(json.double("scaling_factor", 0.18215))
        usePostQuantConv = json.bool("use_post_quant_conv", true)
        // Absent means diffusers' default 32, not SD's 512. Of a list diffusers' tiling reads
        // the first entry (tile_latent_min_size; its tile_sample_min_size would stay a list and fail).
        sampleSize = json.intList("sample_size", count: 1, [32]).first ?? 32
        guard json.string("act_fn", "silu") == "silu", json.bool("mid_block_add_attention", true), !json.has("shift_factor") else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "only SD's VAE (SiLU, mid-block attention, no shift_factor) is supported")
        }
    }
}

extension AutoencoderKLConfig {
    /// Reads the decoder's architecture from the tensor shapes of a file in the original
    /// Stable Diffusion layout (`decoder.up.N.block.M…`, `post_quant_conv`), keys under
    /// `prefix` (`first_stage_model.` in a checkpoint, nothing in a standalone VAE file).
    /// GroupNorm groups are not in the shapes: Stable Diffusion's 32. Nor is the sample size:
    /// SD's 512, the config diffusers' `from_single_file` fetches for SD 1.x.
    init(detectingFrom file: SafetensorsFile, prefix: String) throws {
        let up = prefix + "decoder.up."
        func shape(_ key: String) throws -> [Int] {
            guard let s = file.entries[key]?.shape else { throw DiffusionError.missingWeight(key: key, file: file.path) }
            return s
        }
        let levels = Set(file.entries.keys.compactMap { k -> Int? in k.hasPrefix(up) ? Int(k.dropFirst(up.count).prefix { $0 != "." }) : nil })
        guard !levels.isEmpty else { throw DiffusionError.missingWeight(key: up + "0.block.0.conv1.weight", file: file.path) }
        self.init()
        blockOutChannels = try (0..<levels.count).map { try shape(up + "\($0).block.0.conv2.weight")[0] }
        layersPerBlock = Set(file.entries.keys.compactMap { k -> Int? in
            k.hasPrefix(up + "0.block.") ? Int(k.dropFirst((up + "0.block.").count).prefix { $0 != "." }) : nil
        }).count - 1
        latentChannels = try shape(prefix + "post_quant_conv.weight")[0]
        normNumGroups = GroupNormConvention.groups
    }
}

/// Stable Diffusion normalises with 32 GroupNorm groups everywhere; a file without a
/// config is read with that convention, and channel counts it cannot split are refused
/// rather than guessed.
enum GroupNormConvention {
    static let groups = 32

    static func check(_ channels: [Int], component: String, path: String) throws {
        let bad = channels.filter { $0 % groups != 0 }
        guard bad.isEmpty else {
            throw DiffusionError.unsupportedModel(
                "\(path): \(component) channel counts \(channels) cannot be split into Stable Diffusion's \(groups) GroupNorm groups (\(bad) do not divide); give the model's diffusers config folder (--config, LIENZO_MODEL_CONFIG)")
        }
    }
}
