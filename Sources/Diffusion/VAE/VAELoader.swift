import Foundation

/// Loads a VAE to decode with instead of the model's own (`--vae`, `LIENZO_VAE`), in the
/// forms users keep them:
/// - a diffusers folder with `config.json` (`AutoencoderKL` or `AutoencoderTiny`), or a
///   pipeline folder, whose `vae/` (or `vae_tiny/`) is used;
/// - one `.safetensors` AutoencoderKL in the original layout (`encoder.…`, `decoder.up.…`,
///   `post_quant_conv`, as `vae-ft-mse-840000-ema-pruned.safetensors`), with or without the
///   checkpoint's `first_stage_model.` prefix; read with Stable Diffusion's conventions;
/// - one TAESD file: diffusers' `decoder.layers.…` names or madebyollin's own
///   `taesd_decoder.safetensors` (`1.weight`, `3.conv.0.weight`, …).
/// Only the decoder is loaded.
public enum VAELoader {
    public static func load(path: String, precision: ComputePrecision = .float32) throws -> any LatentDecoder {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DiffusionError.fileNotFound(path: path) }
        return isDir.boolValue ? try loadFolder(path, precision: precision) : try loadFile(path, precision: precision)
    }

    static func loadFolder(_ path: String, precision: ComputePrecision) throws -> any LatentDecoder {
        let manager = FileManager.default
        guard let folder = [path, path + "/vae_tiny", path + "/vae"].first(where: { manager.fileExists(atPath: $0 + "/config.json") }) else {
            throw DiffusionError.unsupportedModel("\(path): a VAE folder needs a config.json (diffusers AutoencoderKL or AutoencoderTiny)")
        }
        let json = try JSONConfig(path: folder + "/config.json")
        let file = try StableDiffusionModel.componentWeights(folder, ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"])
        let onlyDecoder = { (key: String) in key.hasPrefix("encoder.") || key.hasPrefix("quant_conv.") }
        let store = WeightStore(file: file, ignore: onlyDecoder)
        store.precision = precision
        switch json.string("_class_name", "AutoencoderKL") {
        case "AutoencoderKL":
            return try checked(AutoencoderKL(store: store, config: AutoencoderKLConfig(json: json)), store, path)
        case "AutoencoderTiny":
            return try checked(AutoencoderTiny(store: store, config: AutoencoderTiny.Config(json: json)), store, path)
        case let other:
            throw DiffusionError.unsupportedModel("\(folder): a \(other) is not a VAE this engine decodes with (AutoencoderKL, AutoencoderTiny)")
        }
    }

    static func loadFile(_ path: String, precision: ComputePrecision) throws -> any LatentDecoder {
        try StableDiffusionModel.refusePickle(path)
        let file = try SafetensorsFile(path: path)
        let keys = Array(file.entries.keys)
        if keys.contains(where: { $0.hasPrefix("decoder.layers.") }) {
            let store = WeightStore(file: file, ignore: { $0.hasPrefix("encoder.") })
            store.precision = precision
            return try checked(AutoencoderTiny(store: store, config: tinyConfig(file, firstConv: "decoder.layers.0.weight")), store, path)
        }
        if keys.contains("1.weight"), keys.contains(where: { $0.hasSuffix(".conv.0.weight") }) {
            let store = WeightStore(file: file)
            store.precision = precision
            let config = try tinyConfig(file, firstConv: "1.weight")
            return try checked(AutoencoderTiny(store: store, config: config, prefix: "", indexOffset: 1), store, path)
        }
        for prefix in ["", SingleFileNames.vaePrefix] where keys.contains(prefix + "post_quant_conv.weight") {
            var config = try AutoencoderKLConfig(detectingFrom: file, prefix: prefix)
            try GroupNormConvention.check(config.blockOutChannels, component: "VAE", path: path)
            config.normNumGroups = GroupNormConvention.groups
            var sources: [String: WeightStore.Source] = [:]
            var decoderKeys: [String] = []
            for key in keys {
                // Read through the checkpoint converter, which expects the checkpoint's prefix.
                guard let name = SingleFileNames.vae(SingleFileNames.vaePrefix + key.dropping(prefix), blocks: config.blockOutChannels.count)
                else { continue }
                sources[name] = WeightStore.Source(file: file, key: key)
                decoderKeys.append(key)
            }
            let store = WeightStore(sources: sources, fileKeys: decoderKeys)
            store.precision = precision
            return try checked(AutoencoderKL(store: store, config: config), store, path)
        }
        throw DiffusionError.unsupportedModel(
            "\(path) is no VAE this engine knows: expected an AutoencoderKL in the original layout (decoder.up.*, post_quant_conv) or a TAESD decoder")
    }

    /// TAESD's published layout, with the width read from its first convolution.
    private static func tinyConfig(_ file: SafetensorsFile, firstConv: String) throws -> AutoencoderTiny.Config {
        guard let shape = file.entries[firstConv]?.shape, shape.count == 4 else {
            throw DiffusionError.missingWeight(key: firstConv, file: file.path)
        }
        var config = AutoencoderTiny.Config()
        config.decoderBlockOutChannels = Array(repeating: shape[0], count: 4)
        config.latentChannels = shape[1]
        return config
    }

    /// A decoder whose file holds tensors it never read is not the VAE it claims to be.
    private static func checked<D: LatentDecoder>(_ decoder: D, _ store: WeightStore, _ path: String) throws -> D {
        try store.requireEveryTensorUsed(by: "\(decoder)", path: path)
        return decoder
    }
}

extension String {
    fileprivate func dropping(_ prefix: String) -> Substring {
        hasPrefix(prefix) ? dropFirst(prefix.count) : self[...]
    }
}
