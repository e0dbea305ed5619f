/// Matches diffusers `UNetMidBlock2D` as the VAE decoder uses it: ResnetBlock2D,
/// single-head self-attention (GroupNorm inside, residual), ResnetBlock2D; eps 1e-6, no time embedding.
struct UNetMidBlock2D: Sendable {
    let resnet0: ResnetBlock2D
    let norm: GroupNorm
    let attention: Attention
    let resnet1: ResnetBlock2D

    init(_ store: WeightStore, _ prefix: String, channels: Int, groups: Int) throws {
        resnet0 = try ResnetBlock2D(store, prefix + ".resnets.0", inChannels: channels, outChannels: channels, tembChannels: nil, groups: groups, eps: 1e-6)
        norm = try GroupNorm(store, prefix + ".attentions.0.group_norm", channels: channels, groups: groups, eps: 1e-6)
        attention = try Attention(store, prefix + ".attentions.0", queryDim: channels, contextDim: nil, heads: 1, headDim: channels, qkvBias: true)
        resnet1 = try ResnetBlock2D(store, prefix + ".resnets.1", inChannels: channels, outChannels: channels, tembChannels: nil, groups: groups, eps: 1e-6)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = resnet0(x, tembSiLU: nil)
        let (n, c, hw) = (h.shape[0], h.shape[1], h.shape[2] * h.shape[3])
        let seq = channelsLast(norm(h).data, n: n, c: c, hw: hw)
        let a = channelsFirst(attention(seq, batch: n, length: hw), n: n, c: c, hw: hw)
        addInPlace(&h.data, a)
        return resnet1(h, tembSiLU: nil)
    }
}
