/// Matches diffusers `CrossAttnUpBlock2D` and, with `crossAttention` false, `UpBlock2D`:
/// `layers` × (concat skip → ResnetBlock2D [+ Transformer2DModel]), then an optional
/// Upsample2D to the size of the next skip tensor (diffusers' `upsample_size` path, which
/// equals plain ×2 whenever the latent divides evenly).
struct CrossAttnUpBlock2D: Sendable {
    let resnets: [ResnetBlock2D]
    let attentions: [Transformer2DModel]
    let upsampler: Upsample2D?

    /// `skipChannels[i]` is the channel count of the skip tensor resnet i consumes.
    init(_ store: WeightStore, _ prefix: String, prevOutputChannels: Int, outChannels: Int, skipChannels: [Int],
         crossAttention: Bool, heads: Int, contextDim: Int, tembChannels: Int, groups: Int, eps: Float, addUpsample: Bool) throws {
        resnets = try skipChannels.enumerated().map { i, skip in
            try ResnetBlock2D(store, prefix + ".resnets.\(i)", inChannels: (i == 0 ? prevOutputChannels : outChannels) + skip,
                              outChannels: outChannels, tembChannels: tembChannels, groups: groups, eps: eps)
        }
        attentions = crossAttention
            ? try skipChannels.indices.map {
                try Transformer2DModel(store, prefix + ".attentions.\($0)", channels: outChannels, heads: heads, contextDim: contextDim, groups: groups)
            } : []
        upsampler = addUpsample ? try Upsample2D(store, prefix + ".upsamplers.0", channels: outChannels) : nil
    }

    func callAsFunction(_ x: Tensor, tembSiLU: [Float], context: [Float], contextLength: Int, skips: inout [Tensor]) -> Tensor {
        var h = x
        for i in resnets.indices {
            guard let skip = skips.popLast() else { break }
            h = resnets[i](concatChannels(h, skip), tembSiLU: tembSiLU)
            if !attentions.isEmpty { h = attentions[i](h, context: context, contextLength: contextLength) }
        }
        if let u = upsampler {
            let target = skips.last.map { (height: $0.shape[2], width: $0.shape[3]) }
            h = u(h, size: target)
        }
        return h
    }
}

/// torch.cat([a, b], dim=1) for (N, C, H, W) tensors.
func concatChannels(_ a: Tensor, _ b: Tensor) -> Tensor {
    let (n, ca, cb, hw) = (a.shape[0], a.shape[1], b.shape[1], a.shape[2] * a.shape[3])
    var d = [Float]()
    d.reserveCapacity(n * (ca + cb) * hw)
    for i in 0..<n {
        d.append(contentsOf: a.data[(i * ca * hw)..<((i + 1) * ca * hw)])
        d.append(contentsOf: b.data[(i * cb * hw)..<((i + 1) * cb * hw)])
    }
    return Tensor(shape: [n, ca + cb, a.shape[2], a.shape[3]], data: d)
}
