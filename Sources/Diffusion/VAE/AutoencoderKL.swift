/// Matches diffusers `AutoencoderKL.decode` (src/diffusers/models/autoencoders/autoencoder_kl.py):
/// post_quant_conv then the Decoder, or `tiled_decode` for latents larger than a tile
/// (AutoencoderKL+Tiling.swift). The encoder is not loaded (text-to-image never uses it);
/// `use_slicing` is not copied (a batch is decoded in one call).
public struct AutoencoderKL: Sendable {
    public let config: AutoencoderKLConfig
    let postQuantConv: Conv2d?
    let decoder: Decoder
    /// diffusers' `use_tiling` (`enable_tiling()`), off by default as there: when on, latents
    /// larger than a tile (`config.sampleSize`, 512² for SD 1.5) decode in bounded memory, with
    /// diffusers' seams; latents no larger than a tile take the untiled path either way. The
    /// Renderer turns it on for images larger than 512² (`LIENZO_VAE_TILING`).
    public var useTiling = false

    public init(store: WeightStore, config: AutoencoderKLConfig) throws {
        self.config = config
        postQuantConv = config.usePostQuantConv ? try Conv2d(store, "post_quant_conv", config.latentChannels, config.latentChannels, kernel: 1) : nil
        decoder = try Decoder(store, "decoder", config: config)
    }

    /// z is (N, 4, h, w) already divided by the scaling factor; returns (N, 3, 8h, 8w) in about
    /// [-1, 1]. diffusers' `_decode`: tiled when tiling is on and h or w exceeds the tile.
    public func decode(_ z: Tensor) -> Tensor {
        if useTiling && (z.shape[3] > tileLatentMinSize || z.shape[2] > tileLatentMinSize) { return tiledDecode(z) }
        return decoder(postQuantConv.map { $0(z) } ?? z)
    }
}
