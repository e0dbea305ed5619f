import Foundation

/// Matches diffusers `AutoencoderTiny.decode` (src/diffusers/models/autoencoders/autoencoder_tiny.py,
/// `DecoderTiny` in vae.py): TAESD, a distilled decoder that costs a few percent of the
/// full VAE. The encoder is not loaded. Limitations: ReLU activation and nearest ×2
/// upsampling only (every TAESD release uses them).
public struct AutoencoderTiny: LatentDecoder {
    public struct Config: Sendable, Equatable {
        public var latentChannels = 4
        public var outChannels = 3
        /// Channels per decoder level (64, 64, 64, 64 in TAESD).
        public var decoderBlockOutChannels = [64, 64, 64, 64]
        /// AutoencoderTinyBlocks per decoder level (3, 3, 3, 1).
        public var numDecoderBlocks = [3, 3, 3, 1]
        public var scalingFactor: Float = 1

        public init() {}

        init(json: JSONConfig) throws {
            latentChannels = json.int("latent_channels", 4)
            outChannels = json.int("out_channels", 3)
            decoderBlockOutChannels = json.intList("decoder_block_out_channels", count: 4, decoderBlockOutChannels)
            numDecoderBlocks = json.intList("num_decoder_blocks", count: 4, numDecoderBlocks)
            scalingFactor = Float(json.double("scaling_factor", 1))
            guard decoderBlockOutChannels.count == numDecoderBlocks.count, json.string("act_fn", "relu") == "relu",
                  json.string("upsample_fn", "nearest") == "nearest", json.int("upsampling_scaling_factor", 2) == 2 else {
                throw DiffusionError.invalidConfig(path: json.path, reason: "only TAESD's decoder (ReLU, nearest ×2 upsampling) is supported")
            }
        }
    }

    /// One entry of `DecoderTiny.layers`, an nn.Sequential.
    enum Layer: Sendable {
        case conv(Conv2d)
        case relu
        case block(AutoencoderTinyBlock)
        case upsample
    }

    public let config: Config
    let layers: [Layer]

    /// `prefix` is `decoder.layers` for diffusers files; madebyollin's own
    /// `taesd_decoder.safetensors` numbers the same layers one higher (its index 0 is the clamp),
    /// which `indexOffset` 1 with an empty prefix reads.
    public init(store: WeightStore, config: Config, prefix: String = "decoder.layers.", indexOffset: Int = 0) throws {
        self.config = config
        var layers: [Layer] = []
        func name(_ index: Int) -> String { prefix + String(index + indexOffset) }
        let channels = config.decoderBlockOutChannels
        layers.append(.conv(try Conv2d(store, name(layers.count), config.latentChannels, channels[0], kernel: 3)))
        layers.append(.relu)
        for (level, blocks) in config.numDecoderBlocks.enumerated() {
            let last = level == channels.count - 1
            let width = channels[level]
            for _ in 0..<blocks { layers.append(.block(try AutoencoderTinyBlock(store, name(layers.count), channels: width))) }
            if !last { layers.append(.upsample) }
            layers.append(.conv(try Conv2d(store, name(layers.count), width, last ? config.outChannels : width, kernel: 3, bias: last)))
        }
        self.layers = layers
    }

    public var scalingFactor: Float { config.scalingFactor }
    public var description: String { "AutoencoderTiny (TAESD, decoder channels \(config.decoderBlockOutChannels))" }

    public func decode(_ z: Tensor) -> Tensor {
        // x = torch.tanh(x / 3) * 3
        var x = Tensor(shape: z.shape, data: z.data.map { tanhf($0 / 3) * 3 })
        for layer in layers {
            switch layer {
            case .conv(let conv): x = conv(x)
            case .relu: reluInPlace(&x.data)
            case .block(let block): x = block(x)
            case .upsample:
                let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
                x = Tensor(shape: [n, c, 2 * h, 2 * w], data: upsampleNearest(x.data, n: n, c: c, h: h, w: w, outHeight: 2 * h, outWidth: 2 * w))
            }
        }
        // x.mul(2).sub(1): the decoder works in [0, 1], the pipeline expects [-1, 1]
        return Tensor(shape: x.shape, data: x.data.map { $0 * 2 - 1 })
    }
}

/// diffusers `AutoencoderTinyBlock`: relu(conv(x) + x), conv = conv3×3 → ReLU → conv3×3 →
/// ReLU → conv3×3 (TAESD's decoder blocks keep their width, so the skip is the identity).
struct AutoencoderTinyBlock: Sendable {
    let conv0: Conv2d
    let conv2: Conv2d
    let conv4: Conv2d

    init(_ store: WeightStore, _ prefix: String, channels: Int) throws {
        conv0 = try Conv2d(store, prefix + ".conv.0", channels, channels, kernel: 3)
        conv2 = try Conv2d(store, prefix + ".conv.2", channels, channels, kernel: 3)
        conv4 = try Conv2d(store, prefix + ".conv.4", channels, channels, kernel: 3)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = conv0(x)
        reluInPlace(&h.data)
        h = conv2(h)
        reluInPlace(&h.data)
        h = conv4(h)
        addInPlace(&h.data, x.data)
        reluInPlace(&h.data)
        return h
    }
}
