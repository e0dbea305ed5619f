/// UNet2DConditionModel's architecture. Defaults are SD 1.5's; filled from unet/config.json
/// or detected from a single-file checkpoint's tensor shapes (never its values).
public struct UNet2DConditionConfig: Sendable, Equatable, CustomStringConvertible {
    /// Latent channels in and out (4).
    public var inChannels = 4
    public var outChannels = 4
    /// Channels per level (320, 640, 1280, 1280).
    public var blockOutChannels = [320, 640, 1280, 1280]
    /// ResnetBlock2D count per down block (2); up blocks have one more.
    public var layersPerBlock = 2
    /// Whether down block i is a CrossAttnDownBlock2D (true, true, true, false); up blocks mirror it.
    public var crossAttentionDown = [true, true, true, false]
    /// Attention heads per level (SD 1.x: 8 everywhere; SD 2.x: 5, 10, 20, 20).
    /// diffusers' config calls this `attention_head_dim` for historical reasons.
    public var attentionHeads = [8, 8, 8, 8]
    /// Width of the text encoder's states (768 for SD 1.x, 1024 for SD 2.x).
    public var crossAttentionDim = 768
    /// GroupNorm groups (32) and epsilon (1e-5).
    public var normNumGroups = 32
    public var normEps: Float = 1e-5
    /// SD 2.x uses linear proj_in/proj_out in Transformer2DModel; SD 1.x uses 1×1 convs.
    public var useLinearProjection = false
    /// Timestep embedding layout (true, 0 for every SD).
    public var flipSinToCos = true
    public var freqShift: Float = 0
    /// LCM-distilled U-Nets: width of the guidance-scale embedding added to the time
    /// embedding (`time_cond_proj_dim`, 256 in LCM_Dreamshaper); nil for every other SD.
    public var timeCondProjDim: Int?
    /// Latent side the model was trained at (64 → 512×512 images; 96 for SD 2.x 768-v).
    public var sampleSize = 64

    public init() {}

    public var description: String {
        "UNet channels \(blockOutChannels), layers \(layersPerBlock), heads \(attentionHeads), context \(crossAttentionDim), groups \(normNumGroups), linear projection \(useLinearProjection)"
            + (timeCondProjDim.map { ", guidance embedding \($0) (LCM)" } ?? "")
    }

    init(json: JSONConfig) throws {
        let n = json.strings("down_block_types", []).count
        blockOutChannels = json.intList("block_out_channels", count: n, blockOutChannels)
        let blocks = blockOutChannels.count
        let down = json.strings("down_block_types", ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"])
        guard down.count == blocks, down.allSatisfy({ $0 == "CrossAttnDownBlock2D" || $0 == "DownBlock2D" }) else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "down_block_types \(down) not supported")
        }
        crossAttentionDown = down.map { $0 == "CrossAttnDownBlock2D" }
        let up = json.strings("up_block_types", crossAttentionDown.reversed().map { $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" })
        guard up == crossAttentionDown.reversed().map({ $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" }) else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "up_block_types \(up) do not mirror the down blocks")
        }
        guard json.string("mid_block_type", "UNetMidBlock2DCrossAttn") == "UNetMidBlock2DCrossAttn",
            json.intList("transformer_layers_per_block", count: blocks, Array(repeating: 1, count: blocks)).allSatisfy({ $0 == 1 }),
            !json.has("addition_embed_type"), !json.has("class_embed_type")
        else { throw DiffusionError.invalidConfig(path: json.path, reason: "only the SD 1.x/2.x U-Net (no SDXL/class/addition embeddings) is supported") }
        // Options SD 1.x/2.x never set; refuse them rather than compute something else.
        let expected: [(String, Any, Any)] = [
            ("center_input_sample", json.bool("center_input_sample", false), false),
            ("only_cross_attention", json.bool("only_cross_attention", false), false),
            ("dual_cross_attention", json.bool("dual_cross_attention", false), false),
            ("resnet_time_scale_shift", json.string("resnet_time_scale_shift", "default"), "default"),
            ("time_embedding_type", json.string("time_embedding_type", "positional"), "positional"),
            ("act_fn", json.string("act_fn", "silu"), "silu"),
            ("conv_in_kernel", json.int("conv_in_kernel", 3), 3),
            ("conv_out_kernel", json.int("conv_out_kernel", 3), 3),
            ("mid_block_scale_factor", json.double("mid_block_scale_factor", 1), 1.0),
        ]
        for (key, value, wanted) in expected where "\(value)" != "\(wanted)" {
            throw DiffusionError.invalidConfig(path: json.path, reason: "\(key) = \(value) is not supported (SD 1.x/2.x use \(wanted))")
        }
        inChannels = json.int("in_channels", 4)
        outChannels = json.int("out_channels", 4)
        layersPerBlock = json.int("layers_per_block", 2)
        let headDims = json.intList("attention_head_dim", count: blocks, Array(repeating: 8, count: blocks))
        attentionHeads = json.has("num_attention_heads") ? json.intList("num_attention_heads", count: blocks, headDims) : headDims
        crossAttentionDim = json.int("cross_attention_dim", 768)
        normNumGroups = json.int("norm_num_groups", 32)
        normEps = Float(json.double("norm_eps", 1e-5))
        useLinearProjection = json.bool("use_linear_projection", false)
        flipSinToCos = json.bool("flip_sin_to_cos", true)
        freqShift = Float(json.double("freq_shift", 0))
        sampleSize = json.int("sample_size", 64)
        if json.has("time_cond_proj_dim") {
            timeCondProjDim = json.int("time_cond_proj_dim", 256)
            guard (timeCondProjDim ?? 0) >= 4 else { throw DiffusionError.invalidConfig(path: json.path, reason: "time_cond_proj_dim must be at least 4") }
        }
    }
}
