/// Matches diffusers `Transformer2DModel` (src/diffusers/models/transformers/transformer_2d.py)
/// for continuous inputs with one BasicTransformerBlock: GroupNorm (eps 1e-6), proj_in,
/// blocks, proj_out, residual. SD 1.x's proj_in/proj_out are 1×1 convs and SD 2.x's are
/// linear; both are the same matrix applied per pixel, so both run as a linear layer on
/// the channels-last sequence (the weight store accepts either stored shape).
struct Transformer2DModel: Sendable {
    let norm: GroupNorm
    let projIn: Linear
    let blocks: [BasicTransformerBlock]
    let projOut: Linear
    let channels: Int

    init(_ store: WeightStore, _ prefix: String, channels: Int, heads: Int, contextDim: Int, groups: Int) throws {
        norm = try GroupNorm(store, prefix + ".norm", channels: channels, groups: groups, eps: 1e-6)
        projIn = try Linear(store, prefix + ".proj_in", channels, channels)
        blocks = [try BasicTransformerBlock(store, prefix + ".transformer_blocks.0", dim: channels, heads: heads, contextDim: contextDim)]
        projOut = try Linear(store, prefix + ".proj_out", channels, channels)
        self.channels = channels
    }

    /// x is (N, C, H, W); context (N, L, contextDim).
    func callAsFunction(_ x: Tensor, context: [Float], contextLength: Int) -> Tensor {
        let (n, c, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        var h = projIn(channelsLast(norm(x).data, n: n, c: c, hw: hw))
        for block in blocks { h = block(h, batch: n, length: hw, context: context, contextLength: contextLength) }
        var out = Tensor(shape: x.shape, data: channelsFirst(projOut(h), n: n, c: c, hw: hw))
        addInPlace(&out.data, x.data)
        return out
    }
}
