import Foundation

/// Matches transformers' `CLIPImageProcessor` as the safety checker's
/// `feature_extractor/preprocessor_config.json` configures it: resize so the shortest edge
/// is `shortest_edge` (Pillow bicubic on the 8-bit image), centre crop, rescale by
/// 1/255, normalise by the mean and standard deviation. The result is (N, 3, crop, crop).
public struct CLIPImagePreprocessor: Sendable, Equatable {
    public var shortestEdge = 224
    public var cropHeight = 224
    public var cropWidth = 224
    public var doResize = true
    public var doCenterCrop = true
    public var doRescale = true
    public var rescaleFactor: Float = 1.0 / 255
    public var doNormalize = true
    public var mean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public var std: [Float] = [0.26862954, 0.26130258, 0.27577711]

    public init() {}

    init(json: JSONConfig) throws {
        if let size = json.values["size"] as? [String: Any] {
            shortestEdge = (size["shortest_edge"] as? NSNumber)?.intValue ?? shortestEdge
        } else {
            shortestEdge = json.int("size", shortestEdge)
        }
        if let crop = json.values["crop_size"] as? [String: Any] {
            cropHeight = (crop["height"] as? NSNumber)?.intValue ?? cropHeight
            cropWidth = (crop["width"] as? NSNumber)?.intValue ?? cropWidth
        } else if json.has("crop_size") {
            cropHeight = json.int("crop_size", cropHeight)
            cropWidth = cropHeight
        }
        doResize = json.bool("do_resize", doResize)
        doCenterCrop = json.bool("do_center_crop", doCenterCrop)
        doRescale = json.bool("do_rescale", doRescale)
        rescaleFactor = Float(json.double("rescale_factor", Double(rescaleFactor)))
        doNormalize = json.bool("do_normalize", doNormalize)
        mean = (json.values["image_mean"] as? [NSNumber])?.map(\.floatValue) ?? mean
        std = (json.values["image_std"] as? [NSNumber])?.map(\.floatValue) ?? std
        let resample = json.int("resample", 3)
        guard resample == 3, mean.count == 3, std.count == 3 else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "only bicubic resampling (3) of RGB images is supported")
        }
    }

    /// One image → (3, cropHeight, cropWidth) values.
    func pixelValues(_ image: RGBImage) -> [Float] {
        let cropped = resizedAndCropped(image)
        let (w, h) = (cropped.width, cropped.height)
        var out = [Float](repeating: 0, count: 3 * w * h)
        for c in 0..<3 {
            for i in 0..<(w * h) {
                // rescale: float64 multiply, then float32; normalize in float32
                var v = doRescale ? Float(Double(cropped.pixels[i * 3 + c]) * Double(rescaleFactor)) : Float(cropped.pixels[i * 3 + c])
                if doNormalize { v = (v - mean[c]) / std[c] }
                out[c * w * h + i] = v
            }
        }
        return out
    }

    /// The 8-bit image after the resize and the centre crop, before rescaling.
    func resizedAndCropped(_ image: RGBImage) -> RGBImage {
        var rgb = image.pixels
        var (w, h) = (image.width, image.height)
        if doResize {
            // get_resize_output_image_size(default_to_square=False): the short side becomes
            // shortest_edge, the long side int(shortest_edge * long / short).
            let (short, long) = w <= h ? (w, h) : (h, w)
            let newLong = Int(Double(shortestEdge) * Double(long) / Double(short))
            let (newW, newH) = w <= h ? (shortestEdge, newLong) : (newLong, shortestEdge)
            if newW != w || newH != h {
                rgb = PILResample.bicubic(rgb, width: w, height: h, toWidth: newW, toHeight: newH)
                (w, h) = (newW, newH)
            }
        }
        guard doCenterCrop else { return RGBImage(width: w, height: h, pixels: rgb) }
        // top = (orig_height - crop_height) // 2, left likewise; outside the image (a crop
        // larger than it) is zero padding, as transformers pads.
        let top = Int((Double(h - cropHeight) / 2).rounded(.down))
        let left = Int((Double(w - cropWidth) / 2).rounded(.down))
        var out = [UInt8](repeating: 0, count: cropWidth * cropHeight * 3)
        for y in 0..<cropHeight {
            for x in 0..<cropWidth {
                let (sy, sx) = (y + top, x + left)
                guard (0..<h).contains(sy), (0..<w).contains(sx) else { continue }
                for c in 0..<3 { out[(y * cropWidth + x) * 3 + c] = rgb[(sy * w + sx) * 3 + c] }
            }
        }
        return RGBImage(width: cropWidth, height: cropHeight, pixels: out)
    }
}
