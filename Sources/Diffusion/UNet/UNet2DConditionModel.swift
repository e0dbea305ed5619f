/// Matches diffusers `UNet2DConditionModel` (src/diffusers/models/unets/unet_2d_condition.py)
/// for SD 1.x/2.x: positional timestep embedding, CrossAttnDown/Down blocks, the
/// cross-attention mid block, mirrored up blocks, GroupNorm → SiLU → conv_out.
/// Limitations: no class/addition embeddings (SDXL), one transformer layer per block,
/// no attention masks.
public struct UNet2DConditionModel: Sendable {
    public let config: UNet2DConditionConfig
    let convIn: Conv2d
    let timeEmbedding: TimestepEmbedding
    let downBlocks: [CrossAttnDownBlock2D]
    let midBlock: UNetMidBlock2DCrossAttn
    let upBlocks: [CrossAttnUpBlock2D]
    let convNormOut: GroupNorm
    let convOut: Conv2d

    public init(store: WeightStore, config: UNet2DConditionConfig) throws {
        self.config = config
        let ch = config.blockOutChannels
        let n = ch.count
        let L = config.layersPerBlock
        let temb = ch[0] * 4
        let (groups, eps) = (config.normNumGroups, config.normEps)
        convIn = try Conv2d(store, "conv_in", config.inChannels, ch[0], kernel: 3)
        timeEmbedding = try TimestepEmbedding(store, "time_embedding", inChannels: ch[0], timeEmbedDim: temb, condProjDim: config.timeCondProjDim)
        downBlocks = try (0..<n).map { i in
            try CrossAttnDownBlock2D(store, "down_blocks.\(i)", inChannels: i == 0 ? ch[0] : ch[i - 1], outChannels: ch[i], layers: L,
                                     crossAttention: config.crossAttentionDown[i], heads: config.attentionHeads[i],
                                     contextDim: config.crossAttentionDim, tembChannels: temb, groups: groups, eps: eps, addDownsample: i < n - 1)
        }
        midBlock = try UNetMidBlock2DCrossAttn(store, "mid_block", channels: ch[n - 1], heads: config.attentionHeads[n - 1],
                                               contextDim: config.crossAttentionDim, tembChannels: temb, groups: groups, eps: eps)
        // Skip channels in the order the up blocks pop them (last pushed first).
        var skipStack = [ch[0]]
        for i in 0..<n {
            skipStack += Array(repeating: ch[i], count: L)
            if i < n - 1 { skipStack.append(ch[i]) }
        }
        var ups = [CrossAttnUpBlock2D]()
        var prev = ch[n - 1]
        for i in 0..<n {
            let level = n - 1 - i
            var skips = [Int]()
            for _ in 0...L { skips.append(skipStack.removeLast()) }
            ups.append(try CrossAttnUpBlock2D(store, "up_blocks.\(i)", prevOutputChannels: prev, outChannels: ch[level], skipChannels: skips,
                                              crossAttention: config.crossAttentionDown[level], heads: config.attentionHeads[level],
                                              contextDim: config.crossAttentionDim, tembChannels: temb, groups: groups, eps: eps, addUpsample: i < n - 1))
            prev = ch[level]
        }
        upBlocks = ups
        convNormOut = try GroupNorm(store, "conv_norm_out", channels: ch[0], groups: groups, eps: eps)
        convOut = try Conv2d(store, "conv_out", ch[0], config.outChannels, kernel: 3)
    }

    /// sample (N, 4, h, w); one timestep per row (fractional for Euler/LMS); context (N, L, crossAttentionDim);
    /// timestepCond (N, timeCondProjDim), the guidance-scale embedding of an LCM-distilled U-Net.
    public func callAsFunction(_ sample: Tensor, timesteps: [Float], context: Tensor, timestepCond: Tensor? = nil) -> Tensor {
        let ch0 = config.blockOutChannels[0]
        let t = timestepEmbedding(timesteps, dim: ch0, flipSinToCos: config.flipSinToCos, downscaleFreqShift: config.freqShift)
        var tembSiLU = timeEmbedding(t, condition: timestepCond?.data)
        siluInPlace(&tembSiLU)  // every ResnetBlock2D applies SiLU before time_emb_proj
        let ctx = context.data
        let ctxLen = context.shape[1]
        var h = convIn(sample)
        var skips = [h]
        for block in downBlocks { h = block(h, tembSiLU: tembSiLU, context: ctx, contextLength: ctxLen, skips: &skips) }
        h = midBlock(h, tembSiLU: tembSiLU, context: ctx, contextLength: ctxLen)
        for block in upBlocks { h = block(h, tembSiLU: tembSiLU, context: ctx, contextLength: ctxLen, skips: &skips) }
        return convOut(h, normalizedBy: convNormOut, silu: true)
    }
}
