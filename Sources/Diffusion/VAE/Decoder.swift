/// Matches diffusers `Decoder` (src/diffusers/models/autoencoders/vae.py): conv_in, mid block,
/// up blocks over the reversed channel list, GroupNorm → SiLU → conv_out.
struct Decoder: Sendable {
    let convIn: Conv2d
    let midBlock: UNetMidBlock2D
    let upBlocks: [UpDecoderBlock2D]
    let convNormOut: GroupNorm
    let convOut: Conv2d

    init(_ store: WeightStore, _ prefix: String, config: AutoencoderKLConfig) throws {
        let rev = Array(config.blockOutChannels.reversed())
        let g = config.normNumGroups
        convIn = try Conv2d(store, prefix + ".conv_in", config.latentChannels, rev[0], kernel: 3)
        midBlock = try UNetMidBlock2D(store, prefix + ".mid_block", channels: rev[0], groups: g)
        upBlocks = try rev.indices.map { i in
            try UpDecoderBlock2D(store, prefix + ".up_blocks.\(i)", inChannels: i == 0 ? rev[0] : rev[i - 1], outChannels: rev[i],
                                 layers: config.layersPerBlock + 1, groups: g, addUpsample: i < rev.count - 1)
        }
        convNormOut = try GroupNorm(store, prefix + ".conv_norm_out", channels: rev[rev.count - 1], groups: g, eps: 1e-6)
        convOut = try Conv2d(store, prefix + ".conv_out", rev[rev.count - 1], config.outChannels, kernel: 3)
    }

    func callAsFunction(_ z: Tensor) -> Tensor {
        var h = midBlock(convIn(z))
        for b in upBlocks { h = b(consume h); releaseFreeHeapMemory() }
        return convOut(h, normalizedBy: convNormOut, silu: true)
    }
}
