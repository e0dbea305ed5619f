/// When the Renderer decodes with diffusers' tiled VAE decode (`LIENZO_VAE_TILING`,
/// `Renderer render --vae-tiling`). `auto` tiles only images larger than 512², where an
/// untiled decode's activations grow past what a 512² render needs (a 768² decode doubles
/// the peak); up to 512² the decode stays diffusers' default, untiled one.
public enum VAETiling: String, Sendable, CaseIterable {
    case auto, on, off

    public static let autoAbovePixels = 512 * 512

    public func applies(width: Int, height: Int) -> Bool {
        switch self {
        case .auto: width * height > Self.autoAbovePixels
        case .on: true
        case .off: false
        }
    }
}
