/// Matches diffusers `UpDecoderBlock2D`: (layers+1) ResnetBlock2D without time embedding
/// (eps 1e-6), then an optional Upsample2D (×2).
struct UpDecoderBlock2D: Sendable {
    let resnets: [ResnetBlock2D]
    let upsampler: Upsample2D?

    init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, layers: Int, groups: Int, addUpsample: Bool) throws {
        resnets = try (0..<layers).map {
            try ResnetBlock2D(store, prefix + ".resnets.\($0)", inChannels: $0 == 0 ? inChannels : outChannels, outChannels: outChannels,
                              tembChannels: nil, groups: groups, eps: 1e-6)
        }
        upsampler = addUpsample ? try Upsample2D(store, prefix + ".upsamplers.0", channels: outChannels) : nil
    }

    /// x is consumed, so that each resnet can free its input (see ResnetBlock2D).
    func callAsFunction(_ x: consuming Tensor) -> Tensor {
        var h = consume x
        for r in resnets { h = r(consume h, tembSiLU: nil) }
        guard let upsampler else { return h }
        return upsampler(consume h)
    }
}
