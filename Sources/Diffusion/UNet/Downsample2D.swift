/// Matches diffusers `Downsample2D` with use_conv=True, padding=1: a 3×3 stride-2 conv.
struct Downsample2D: Sendable {
    let conv: Conv2d

    init(_ store: WeightStore, _ prefix: String, channels: Int) throws {
        conv = try Conv2d(store, prefix + ".conv", channels, channels, kernel: 3, stride: 2, padding: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { conv(x) }
}
