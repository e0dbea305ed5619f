/// Matches diffusers `AutoencoderKL.decode` (src/diffusers/models/autoencoders/autoencoder_kl.py):
/// post_quant_conv then the Decoder. The encoder is not loaded (text-to-image never uses it).
public struct AutoencoderKL: Sendable {
    public let config: AutoencoderKLConfig
    let postQuantConv: Conv2d?
    let decoder: Decoder

    public init(store: WeightStore, config: AutoencoderKLConfig) throws {
        self.config = config
        postQuantConv = config.usePostQuantConv ? try Conv2d(store, "post_quant_conv", config.latentChannels, config.latentChannels, kernel: 1) : nil
        decoder = try Decoder(store, "decoder", config: config)
    }

    /// z is (N, 4, h, w) already divided by the scaling factor; returns (N, 3, 8h, 8w) in about [-1, 1].
    public func decode(_ z: Tensor) -> Tensor { decoder(postQuantConv.map { $0(z) } ?? z) }
}
