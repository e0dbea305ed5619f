import Foundation

/// Which Stable Diffusion generation a model belongs to (decides single-file defaults).
public enum ModelFamily: String, Sendable { case stableDiffusion1 = "SD 1.x", stableDiffusion2 = "SD 2.x" }

/// Everything a pipeline needs, loaded from a diffusers folder or a single-file checkpoint.
public struct StableDiffusionModel: Sendable {
    public let family: ModelFamily
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    /// The model's own AutoencoderKL, or what `replacingVAE` put in its place.
    public private(set) var vae: any LatentDecoder
    public var schedulerConfig: SchedulerConfig
    public let report: LoadReport
    /// File or folder name, for the PNG's "Model:" field.
    public let name: String
    /// The layers LoRA files may patch.
    public let loraTargets: LoraTargets

    init(
        family: ModelFamily, tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, vae: any LatentDecoder,
        schedulerConfig: SchedulerConfig, report: LoadReport, name: String, loraTargets: LoraTargets
    ) {
        self.family = family
        self.tokenizer = tokenizer
        self.textEncoder = textEncoder
        self.unet = unet
        self.vae = vae
        self.schedulerConfig = schedulerConfig
        self.report = report
        self.name = name
        self.loraTargets = loraTargets
    }

    /// The same model decoding with `decoder` (diffusers: `pipe.vae = …`).
    public func replacingVAE(_ decoder: any LatentDecoder) -> StableDiffusionModel {
        var model = self
        model.vae = decoder
        return model
    }

    /// The same model with its AutoencoderKL's tiled decoding on or off (diffusers:
    /// `pipe.vae.enable_tiling()` / `disable_tiling()`; off by default, see
    /// `AutoencoderKL.useTiling`). A decoder without tiling (TAESD) is kept as it is; a VAE
    /// put in later by `replacingVAE` brings its own setting, so apply this after it.
    public func withVAETiling(_ enabled: Bool) -> StableDiffusionModel {
        guard var autoencoder = vae as? AutoencoderKL else { return self }
        autoencoder.useTiling = enabled
        return replacingVAE(autoencoder)
    }

    /// Loads `path`: a diffusers folder (model_index.json …) or one `.safetensors` file in the
    /// original SD key layout. Pickled `.ckpt`/`.pt`/`.bin` files are refused. `precision`
    /// applies to all three models, as PyTorch's `pipe.to(torch.bfloat16)` does: a bf16 text
    /// encoder keeps half the memory (SD 2's OpenCLIP tower is 1.4 GB in fp32) and runs once
    /// per image within 1 % of fp32.
    /// - Parameter config: for a single file, a diffusers pipeline folder whose
    ///   `unet/`, `vae/` and `text_encoder/` config.json describe it (diffusers'
    ///   `from_single_file(config=)`); without it the architecture is read from the tensor
    ///   shapes with Stable Diffusion's conventions (32 GroupNorm groups).
    public static func load(
        path: String, predictionType: PredictionType? = nil, precision: ComputePrecision = .float32, config: String? = nil
    ) throws -> StableDiffusionModel {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DiffusionError.fileNotFound(path: path) }
        var m = isDir.boolValue ? try loadFolder(path, precision: precision) : try loadSingleFile(path, precision: precision, config: config)
        if let predictionType { m.schedulerConfig.predictionType = predictionType }
        return m
    }

    static func refusePickle(_ path: String) throws {
        let lower = path.lowercased()
        if [".ckpt", ".pt", ".pth", ".bin", ".pkl"].contains(where: { lower.hasSuffix($0) }) { throw DiffusionError.pickledCheckpoint(path: path) }
        if let h = FileHandle(forReadingAtPath: path) {
            defer { try? h.close() }
            let magic = [UInt8](h.readData(ofLength: 2))
            // zip (torch.save since 1.6) or a raw pickle protocol marker
            if magic == [0x50, 0x4b] || magic.first == 0x80 { throw DiffusionError.pickledCheckpoint(path: path) }
        }
    }

    // MARK: diffusers folder

    static func componentWeights(_ folder: String, _ names: [String]) throws -> SafetensorsFile {
        for n in names where FileManager.default.fileExists(atPath: folder + "/" + n) { return try SafetensorsFile(path: folder + "/" + n) }
        for n in ["pytorch_model.bin", "diffusion_pytorch_model.bin"] where FileManager.default.fileExists(atPath: folder + "/" + n) {
            throw DiffusionError.pickledCheckpoint(path: folder + "/" + n)
        }
        throw DiffusionError.fileNotFound(path: folder + "/" + (names.first ?? ""))
    }

    static func loadFolder(_ path: String, precision: ComputePrecision) throws -> StableDiffusionModel {
        guard FileManager.default.fileExists(atPath: path + "/model_index.json") else {
            throw DiffusionError.unsupportedModel("\(path) is a folder without model_index.json (expected a diffusers pipeline folder)")
        }
        let tokenizer = try CLIPTokenizer(folder: path + "/tokenizer")
        let textConfig = try CLIPTextConfig(json: JSONConfig(path: path + "/text_encoder/config.json"))
        let textFile = try componentWeights(path + "/text_encoder", ["model.safetensors", "model.fp16.safetensors"])
        let textStore = WeightStore(file: textFile, stripPrefix: "text_model.")
        let unetConfig = try UNet2DConditionConfig(json: JSONConfig(path: path + "/unet/config.json"))
        let unetStore = WeightStore(file: try componentWeights(path + "/unet", ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"]))
        let vaeConfig = try AutoencoderKLConfig(json: JSONConfig(path: path + "/vae/config.json"))
        let vaeStore = WeightStore(file: try componentWeights(path + "/vae", ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16.safetensors"]),
                                   ignore: { $0.hasPrefix("encoder.") || $0.hasPrefix("quant_conv.") })
        let sched = try SchedulerConfig(json: JSONConfig(path: path + "/scheduler/scheduler_config.json"))
        for store in [textStore, unetStore, vaeStore] { store.precision = precision }
        let text = try CLIPTextModel(store: textStore, config: textConfig)
        let unet = try UNet2DConditionModel(store: unetStore, config: unetConfig)
        let vae = try AutoencoderKL(store: vaeStore, config: vaeConfig)
        let family: ModelFamily = textConfig.hiddenAct == .gelu ? .stableDiffusion2 : .stableDiffusion1
        let report = LoadReport(
            unusedKeys: textStore.unusedKeys.map { "text_encoder/" + $0 } + unetStore.unusedKeys.map { "unet/" + $0 } + vaeStore.unusedKeys.map { "vae/" + $0 },
            ignoredKeyCount: vaeStore.ignoredKeys.count,
            detectedConfiguration: "\(family.rawValue) diffusers folder: \(textConfig); \(unetConfig); \(vaeConfig)")
        return StableDiffusionModel(family: family, tokenizer: tokenizer, textEncoder: text, unet: unet, vae: vae, schedulerConfig: sched,
                                    report: report, name: URL(fileURLWithPath: path).lastPathComponent,
                                    loraTargets: LoraTargets(unet: unetStore.layerShapes, textEncoder: textStore.layerShapes, layersPerBlock: unetConfig.layersPerBlock))
    }

    // MARK: single file

    static func loadSingleFile(_ path: String, precision: ComputePrecision, config: String?) throws -> StableDiffusionModel {
        try refusePickle(path)
        let file = try SafetensorsFile(path: path)
        let keys = Array(file.entries.keys)
        func shape(_ k: String) throws -> [Int] {
            guard let s = file.entries[k]?.shape else { throw DiffusionError.missingWeight(key: k, file: path) }
            return s
        }
        let openClip = keys.contains { $0.hasPrefix(SingleFileNames.openClipPrefix) }
        guard openClip || keys.contains(where: { $0.hasPrefix(SingleFileNames.clipPrefix) }) else {
            throw DiffusionError.unsupportedModel("\(path) has no SD 1.x/2.x text encoder (cond_stage_model.*); SDXL and other families are not supported")
        }
        let family: ModelFamily = openClip ? .stableDiffusion2 : .stableDiffusion1

        // --- U-Net, detected from shapes
        let u = SingleFileNames.unetPrefix
        let downs = keys.compactMap { k -> Int? in
            guard k.hasPrefix(u + "input_blocks."), k.hasSuffix(".0.op.weight") else { return nil }
            return Int(k.dropFirst((u + "input_blocks.").count).prefix { $0 != "." })
        }.sorted()
        guard let firstDown = downs.first else { throw DiffusionError.unsupportedModel("\(path): no U-Net downsamplers (model.diffusion_model.input_blocks.*.0.op)") }
        var uc = UNet2DConditionConfig()
        uc.layersPerBlock = firstDown - 1
        let detectedL = uc.layersPerBlock
        let levels = downs.count + 1
        uc.blockOutChannels = try (0..<levels).map { try shape(u + "input_blocks.\(1 + (detectedL + 1) * $0).0.out_layers.3.weight")[0] }
        uc.crossAttentionDown = (0..<levels).map { keys.contains(u + "input_blocks.\(1 + (detectedL + 1) * $0).1.proj_in.weight") }
        guard let firstAttn = uc.crossAttentionDown.firstIndex(of: true) else { throw DiffusionError.unsupportedModel("\(path): U-Net without cross-attention") }
        let attnPrefix = u + "input_blocks.\(1 + (detectedL + 1) * firstAttn).1."
        uc.crossAttentionDim = try shape(attnPrefix + "transformer_blocks.0.attn2.to_k.weight")[1]
        uc.useLinearProjection = try shape(attnPrefix + "proj_in.weight").count == 2
        uc.inChannels = try shape(u + "input_blocks.0.0.weight")[1]
        uc.outChannels = try shape(u + "out.2.weight")[0]
        switch family {
        case .stableDiffusion1: uc.attentionHeads = Array(repeating: 8, count: levels)
        case .stableDiffusion2:
            // SD 2.x: a fixed head width of 64 (capped by the narrowest block for tiny models)
            let width = min(64, uc.blockOutChannels.min() ?? 64)
            uc.attentionHeads = uc.blockOutChannels.map { max(1, $0 / width) }
        }

        // --- VAE
        var vc = try AutoencoderKLConfig(detectingFrom: file, prefix: SingleFileNames.vaePrefix)

        // --- text encoder
        var tc = CLIPTextConfig()
        var textSources = [String: WeightStore.Source]()
        var ignored = [String]()
        var sources = [String: WeightStore.Source]()
        var vaeSources = [String: WeightStore.Source]()
        if openClip {
            let p = SingleFileNames.openClipPrefix
            let emb = try shape(p + "token_embedding.weight")
            let blocks = Set(keys.compactMap { k -> Int? in
                k.hasPrefix(p + "transformer.resblocks.") ? Int(k.dropFirst((p + "transformer.resblocks.").count).prefix { $0 != "." }) : nil
            }).count
            tc.vocabSize = emb[0]
            tc.hiddenSize = emb[1]
            tc.numHiddenLayers = blocks - 1  // SD 2.x conditions on the penultimate block
            tc.intermediateSize = try shape(p + "transformer.resblocks.0.mlp.c_fc.weight")[0]
            tc.maxPositionEmbeddings = try shape(p + "positional_embedding")[0]
            tc.hiddenAct = .gelu
        } else {
            // shapes by diffusers name: some early SD 1 checkpoints lack the "text_model." level
            var shapes = [String: [Int]]()
            for k in keys { if let n = SingleFileNames.clip(k), let sh = file.entries[k]?.shape { shapes[n] = sh } }
            func textShape(_ n: String) throws -> [Int] {
                guard let sh = shapes[n] else { throw DiffusionError.missingWeight(key: SingleFileNames.clipPrefix + "text_model." + n, file: path) }
                return sh
            }
            let emb = try textShape("embeddings.token_embedding.weight")
            tc.vocabSize = emb[0]
            tc.hiddenSize = emb[1]
            tc.numHiddenLayers = Set(shapes.keys.compactMap { n -> Int? in
                n.hasPrefix("encoder.layers.") ? Int(n.dropFirst("encoder.layers.".count).prefix { $0 != "." }) : nil
            }).count
            tc.intermediateSize = try textShape("encoder.layers.0.mlp.fc1.weight")[0]
            tc.maxPositionEmbeddings = try textShape("embeddings.position_embedding.weight")[0]
        }
        tc.numAttentionHeads = max(1, tc.hiddenSize / 64)
        if let config {
            // The folder's word over the shapes' (group counts and head counts are not in them).
            uc = try UNet2DConditionConfig(json: JSONConfig(path: config + "/unet/config.json"))
            vc = try AutoencoderKLConfig(json: JSONConfig(path: config + "/vae/config.json"))
            tc = try CLIPTextConfig(json: JSONConfig(path: config + "/text_encoder/config.json"))
        } else {
            try GroupNormConvention.check(uc.blockOutChannels, component: "U-Net", path: path)
            try GroupNormConvention.check(vc.blockOutChannels, component: "VAE", path: path)
        }
        let L = uc.layersPerBlock

        for k in keys {
            if let n = SingleFileNames.unet(k, layersPerBlock: L) {
                sources[n] = .init(file: file, key: k)
            } else if let n = SingleFileNames.vae(k, blocks: vc.blockOutChannels.count) {
                vaeSources[n] = .init(file: file, key: k)
            } else if openClip, let parts = SingleFileNames.openClip(k, hiddenSize: tc.hiddenSize, layers: tc.numHiddenLayers) {
                for (n, r) in parts { textSources[n] = .init(file: file, key: k, rows: r) }
            } else if !openClip, let n = SingleFileNames.clip(k) {
                textSources[n] = .init(file: file, key: k)
            } else if k.hasPrefix(SingleFileNames.vaePrefix) || k.hasPrefix(SingleFileNames.openClipPrefix) || k.hasPrefix(SingleFileNames.clipPrefix) {
                ignored.append(k)  // VAE encoder, unused OpenCLIP parts
            }
        }
        let isUNet = { (k: String) in k.hasPrefix(SingleFileNames.unetPrefix) }
        let isVAE = { (k: String) in SingleFileNames.vae(k, blocks: vc.blockOutChannels.count) != nil }
        let isText = { (k: String) in (k.hasPrefix(SingleFileNames.clipPrefix) || k.hasPrefix(SingleFileNames.openClipPrefix)) && !ignored.contains(k) }
        let unetStore = WeightStore(sources: sources, fileKeys: keys.filter(isUNet))
        let vaeStore = WeightStore(sources: vaeSources, fileKeys: keys.filter(isVAE))
        let textStore = WeightStore(sources: textSources, fileKeys: keys.filter(isText), ignoredKeys: ignored)
        for store in [textStore, unetStore, vaeStore] { store.precision = precision }
        let text = try CLIPTextModel(store: textStore, config: tc)
        let unet = try UNet2DConditionModel(store: unetStore, config: uc)
        let vae = try AutoencoderKL(store: vaeStore, config: vc)
        let other = keys.filter { !isUNet($0) && !isVAE($0) && !isText($0) && !ignored.contains($0) }
        let report = LoadReport(
            unusedKeys: (textStore.unusedKeys + unetStore.unusedKeys + vaeStore.unusedKeys + other).sorted(),
            ignoredKeyCount: ignored.count,
            detectedConfiguration: "\(family.rawValue) single file: \(tc); \(uc); \(vc)")
        let tokenizer = try CLIPTokenizer.standard(padToken: openClip ? "!" : "<|endoftext|>")
        return StableDiffusionModel(family: family, tokenizer: tokenizer, textEncoder: text, unet: unet, vae: vae,
                                    schedulerConfig: openClip ? .stableDiffusion2 : .stableDiffusion1, report: report,
                                    name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                                    loraTargets: LoraTargets(unet: unetStore.layerShapes, textEncoder: textStore.layerShapes, layersPerBlock: uc.layersPerBlock))
    }
}
