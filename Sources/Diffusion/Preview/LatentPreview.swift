/// Turns the predicted clean latents of a step into a small picture for a live preview:
/// TAESD when the Renderer has it (a real decode, of the latents averaged down to about
/// 32 × 32, so a 256² picture at a twentieth of the full VAE's cost), else AUTOMATIC1111's
/// "Approx cheap" — a fixed linear map from the four SD 1.x/2.x latent
/// channels to RGB, at latent resolution, then enlarged so a chat shows more than a stamp.
public enum LatentPreview: Sendable {
    case approxCheap
    case tiny(AutoencoderTiny)

    /// The shortest side an approximate preview is enlarged to (64² latents of a 512²
    /// image become 256²).
    static let approxMinimumSide = 256

    /// AUTOMATIC1111's `sd_vae_approx.cheap_approximation` coefficients (latent channel ×
    /// RGB), fitted on SD 1.x latents; SD 2.x shares that VAE.
    static let approxCoefficients: [[Float]] = [
        [0.298, 0.207, 0.208],
        [0.187, 0.286, 0.173],
        [-0.158, 0.189, 0.264],
        [-0.184, -0.271, -0.473],
    ]

    /// One image per latent of `denoised` (N, 4, h, w), in the U-Net's latent space (not yet
    /// divided by the VAE's scaling factor).
    public func images(_ denoised: Tensor) -> [RGBImage] {
        (0..<denoised.shape[0]).map { j in
            let z = denoised.slice(j..<(j + 1))
            switch self {
            case .approxCheap:
                return Self.enlarged(Self.approximate(z), minimumSide: Self.approxMinimumSide)
            case .tiny(let taesd):
                // A quarter of the pixels costs a quarter of the decode: previews are small in a chat.
                return StableDiffusionPipeline.image(of: Self.pooled(z, toAtMost: Self.approxMinimumSide / 8), decodedBy: taesd)
            }
        }
    }

    /// Averages f × f blocks of a (1, c, h, w) latent, f the whole factor that brings its longer
    /// side to about `side` (leftover rows and columns are dropped).
    static func pooled(_ z: Tensor, toAtMost side: Int) -> Tensor {
        let (c, h, w) = (z.shape[1], z.shape[2], z.shape[3])
        let f = max(h, w) / side
        guard f > 1 else { return z }
        let (ph, pw) = (h / f, w / f)
        var out = [Float](repeating: 0, count: c * ph * pw)
        for ch in 0..<c {
            for y in 0..<ph {
                for x in 0..<pw {
                    var sum: Float = 0
                    for dy in 0..<f {
                        for dx in 0..<f { sum += z.data[(ch * h + y * f + dy) * w + x * f + dx] }
                    }
                    out[(ch * ph + y) * pw + x] = sum / Float(f * f)
                }
            }
        }
        return Tensor(shape: [1, c, ph, pw], data: out)
    }

    /// (1, 4, h, w) → h × w RGB: x = Σ latent · coefficient, then x / 2 + 0.5 as A1111 shows it.
    static func approximate(_ z: Tensor) -> RGBImage {
        let (h, w) = (z.shape[2], z.shape[3])
        let plane = h * w
        let channels = min(z.shape[1], approxCoefficients.count)
        var px = [UInt8](repeating: 0, count: plane * 3)
        for i in 0..<plane {
            for rgb in 0..<3 {
                var x: Float = 0
                for l in 0..<channels { x += z.data[l * plane + i] * approxCoefficients[l][rgb] }
                px[i * 3 + rgb] = UInt8((min(max(x / 2 + 0.5, 0), 1) * 255).rounded())
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }

    /// Bilinear enlargement by a whole factor (pixel centres aligned, edges clamped) until the
    /// shorter side reaches `minimumSide`.
    static func enlarged(_ image: RGBImage, minimumSide: Int) -> RGBImage {
        let shorter = min(image.width, image.height)
        guard shorter > 0, shorter < minimumSide else { return image }
        let factor = (minimumSide + shorter - 1) / shorter
        let (w, h) = (image.width * factor, image.height * factor)
        var px = [UInt8](repeating: 0, count: w * h * 3)
        func source(_ i: Int, _ count: Int) -> (Int, Int, Float) {
            let x = max((Float(i) + 0.5) / Float(factor) - 0.5, 0)
            let lo = min(Int(x), count - 1)
            return (lo, min(lo + 1, count - 1), x - Float(lo))
        }
        for y in 0..<h {
            let (y0, y1, fy) = source(y, image.height)
            for x in 0..<w {
                let (x0, x1, fx) = source(x, image.width)
                for c in 0..<3 {
                    func at(_ yy: Int, _ xx: Int) -> Float { Float(image.pixels[(yy * image.width + xx) * 3 + c]) }
                    let top = at(y0, x0) + fx * (at(y0, x1) - at(y0, x0))
                    let bottom = at(y1, x0) + fx * (at(y1, x1) - at(y1, x0))
                    px[(y * w + x) * 3 + c] = UInt8((top + fy * (bottom - top)).rounded())
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: px)
    }
}
