/// What turns the final latents into an image: the model's AutoencoderKL, a replacement
/// VAE (`--vae`), or TAESD. Matches how diffusers' pipeline uses `pipe.vae`: latents are
/// divided by `scalingFactor`, decoded to (N, 3, 8h, 8w) in about [-1, 1].
public protocol LatentDecoder: Sendable, CustomStringConvertible {
    var scalingFactor: Float { get }
    /// z is (N, latent channels, h, w), already divided by `scalingFactor`.
    func decode(_ z: Tensor) -> Tensor
}

extension AutoencoderKL: LatentDecoder {
    public var scalingFactor: Float { config.scalingFactor }
    public var description: String { "AutoencoderKL (\(config)\(useTiling ? ", tiled above \(tileSampleMinSize)²" : ""))" }
}
