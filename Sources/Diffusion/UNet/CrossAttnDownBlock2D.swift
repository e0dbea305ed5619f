/// Matches diffusers `CrossAttnDownBlock2D` and, with `crossAttention` false, `DownBlock2D`
/// (src/diffusers/models/unets/unet_2d_blocks.py): `layers` × (ResnetBlock2D [+ Transformer2DModel]),
/// then an optional Downsample2D. Every intermediate output is kept for the skip connections.
struct CrossAttnDownBlock2D: Sendable {
    let resnets: [ResnetBlock2D]
    let attentions: [Transformer2DModel]
    let downsampler: Downsample2D?

    init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, layers: Int, crossAttention: Bool,
         heads: Int, contextDim: Int, tembChannels: Int, groups: Int, eps: Float, addDownsample: Bool) throws {
        resnets = try (0..<layers).map {
            try ResnetBlock2D(store, prefix + ".resnets.\($0)", inChannels: $0 == 0 ? inChannels : outChannels,
                              outChannels: outChannels, tembChannels: tembChannels, groups: groups, eps: eps)
        }
        attentions = crossAttention
            ? try (0..<layers).map {
                try Transformer2DModel(store, prefix + ".attentions.\($0)", channels: outChannels, heads: heads, contextDim: contextDim, groups: groups)
            } : []
        downsampler = addDownsample ? try Downsample2D(store, prefix + ".downsamplers.0", channels: outChannels) : nil
    }

    func callAsFunction(_ x: Tensor, tembSiLU: [Float], context: [Float], contextLength: Int, skips: inout [Tensor]) -> Tensor {
        var h = x
        for i in resnets.indices {
            h = resnets[i](h, tembSiLU: tembSiLU)
            if !attentions.isEmpty { h = attentions[i](h, context: context, contextLength: contextLength) }
            skips.append(h)
        }
        if let d = downsampler {
            h = d(h)
            skips.append(h)
        }
        return h
    }
}
