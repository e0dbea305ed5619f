/// Matches diffusers `Upsample2D` with use_conv=True: nearest resize (×2, or to an explicit
/// size when the latent is not a multiple of 2^levels, e.g. 64×96 images), then a 3×3 conv.
struct Upsample2D: Sendable {
    let conv: Conv2d

    init(_ store: WeightStore, _ prefix: String, channels: Int) throws {
        conv = try Conv2d(store, prefix + ".conv", channels, channels, kernel: 3)
    }

    func callAsFunction(_ x: Tensor, size: (height: Int, width: Int)? = nil) -> Tensor {
        conv(upsampling: x, to: size ?? (2 * x.shape[2], 2 * x.shape[3]))
    }
}
