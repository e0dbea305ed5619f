/// Matches diffusers `UNetMidBlock2DCrossAttn`: ResnetBlock2D, Transformer2DModel, ResnetBlock2D.
struct UNetMidBlock2DCrossAttn: Sendable {
    let resnet0: ResnetBlock2D
    let attention: Transformer2DModel
    let resnet1: ResnetBlock2D

    init(_ store: WeightStore, _ prefix: String, channels: Int, heads: Int, contextDim: Int, tembChannels: Int, groups: Int, eps: Float) throws {
        resnet0 = try ResnetBlock2D(store, prefix + ".resnets.0", inChannels: channels, outChannels: channels, tembChannels: tembChannels, groups: groups, eps: eps)
        attention = try Transformer2DModel(store, prefix + ".attentions.0", channels: channels, heads: heads, contextDim: contextDim, groups: groups)
        resnet1 = try ResnetBlock2D(store, prefix + ".resnets.1", inChannels: channels, outChannels: channels, tembChannels: tembChannels, groups: groups, eps: eps)
    }

    func callAsFunction(_ x: Tensor, tembSiLU: [Float], context: [Float], contextLength: Int) -> Tensor {
        let h = resnet0(x, tembSiLU: tembSiLU)
        return resnet1(attention(h, context: context, contextLength: contextLength), tembSiLU: tembSiLU)
    }
}
