import Foundation
import PromptSyntax
import Testing

@testable import Diffusion

/// LoRA files in kohya, PEFT and older diffusers layouts (Linear and conv layers, U-Net
/// and text encoder, one and two at once, negative weights) against diffusers' images
/// made with the same LoRAs merged into the weights (scripts/diffusers/make_lora_vae_fixtures.py).
/// The mixed batch renders three images with three different LoRA sets in one batch; the
/// references were made one image at a time.
@Suite struct LoraPipelineTests {
    static let folder = fixtures + "/lora"
    static let cases: [LoraCase] = (try? LoraCase.all()) ?? []
    static let model = Result { try StableDiffusionModel.load(path: fixtures + "/sd1-tiny") }

    /// The same on SD 2.x (v-prediction, linear proj_in/proj_out, GELU text tower), with a
    /// conv-layer PEFT LoRA in BF16 (scripts/diffusers/make_lora_sd2_fixtures.py).
    static let sd2Cases: [LoraCase] = (try? LoraCase.all("lora-sd2-cases.json")) ?? []

    @Test(arguments: sd2Cases)
    func sd2ImagesMatchDiffusersWithTheLorasMerged(_ c: LoraCase) throws {
        let model = try StableDiffusionModel.load(path: fixtures + "/sd2-tiny")
        try Self.check(c, model: model, folder: fixtures + "/lora-sd2", references: "refs-lora-sd2.safetensors")
    }

    @Test func everyReferenceCaseIsThere() {
        #expect(Self.sd2Cases.map(\.name) == ["sd2-kohya", "sd2-two", "sd2-batch"])
        #expect(Self.cases.map(\.name) == ["kohya-one", "two-loras", "negative-weight", "peft-one", "old-format", "batch-mixed"])
    }

    @Test(arguments: cases)
    func imagesMatchDiffusersWithTheLorasMerged(_ c: LoraCase) throws {
        try Self.check(c, model: try Self.model.get(), folder: Self.folder, references: "refs-lora.safetensors")
    }

    /// Renders a case's prompts as one batch, each with its own LoRAs, against the references made one at a time.
    static func check(_ c: LoraCase, model: StableDiffusionModel, folder: String, references: String) throws {
        let library = try LoraLibrary(folder: folder, targets: model.loraTargets)
        var requests: [GenerationRequest] = []
        for i in c.prompts.indices {
            let parsed = try LoraPrompt(parsing: c.prompts[i])
            #expect(parsed.text == c.promptsWithoutTags[i], "tags are cut out, nothing else")
            #expect(parsed.loras.map(\.name) == c.loraNames[i])
            let loras = try parsed.loras.map { AppliedLora(try library.adapter(named: $0.name), weight: $0.weight) }
            requests.append(GenerationRequest(prompt: parsed.text, negativePrompt: c.negatives[i] ?? "", seed: c.seeds[i],
                                              guidanceScale: c.guidance, loras: loras))
        }
        let images = try StableDiffusionPipeline(model: model).generate(requests, options: c.options)
        let reference = try reference(references, "image." + c.name)
        let per = c.options.width * c.options.height * 3
        for (i, image) in images.enumerated() {
            let expected = reference.data[(i * per)..<((i + 1) * per)]
            let worst = zip(image.pixels, expected).map { abs(Float($0) - $1) }.max() ?? .infinity
            #expect(worst <= 2, "\(c.name) image \(i): max pixel difference \(worst)/255")
        }
    }

    /// The kohya-one case's request, plain and with its style at weight 1.
    static func foxWithAndWithoutStyle(_ model: StableDiffusionModel) throws -> (GenerationRequest, GenerationRequest) {
        let library = try LoraLibrary(folder: folder, targets: model.loraTargets)
        let plain = GenerationRequest(prompt: "a red fox  in the snow", negativePrompt: "blurry", seed: 42)
        var styled = plain
        styled.loras = [AppliedLora(try library.adapter(named: "kohya_style"), weight: 1)]
        return (plain, styled)
    }

    /// Without its LoRA the same request gives a visibly different image: the cases above
    /// cannot pass by the LoRA having no effect.
    @Test func theLoraChangesTheImage() throws {
        let model = try Self.model.get()
        let (plain, styled) = try Self.foxWithAndWithoutStyle(model)
        let options = GenerationOptions(width: 64, height: 64, steps: 4, sampler: .euler)
        let images = try StableDiffusionPipeline(model: model).generate([plain, styled], options: options)
        let mean = zip(images[0].pixels, images[1].pixels).map { abs(Float($0) - Float($1)) }.reduce(0, +) / Float(images[0].pixels.count)
        #expect(mean > 10, "mean difference \(mean)/255")
    }

    /// Older kohya files name the U-Net's layers as the original checkpoint does
    /// (`lora_unet_input_blocks_1_1_proj_in`): the same LoRA renamed so gives the same image.
    @Test func originalSDNamesGiveTheSameImage() throws {
        let model = try Self.model.get()
        // diffusers module → original name, from the checkpoint converter over sd1-tiny's own keys
        let checkpoint = try SafetensorsFile(path: fixtures + "/sd1-tiny.safetensors")
        var original: [String: String] = [:]
        for key in checkpoint.entries.keys where key.hasPrefix(SingleFileNames.unetPrefix) && key.hasSuffix(".weight") {
            if let name = SingleFileNames.unet(key, layersPerBlock: 2) {
                original[LoraKeyNames.kohyaName(String(name.dropLast(".weight".count)))] =
                    LoraKeyNames.kohyaName(String(key.dropFirst(SingleFileNames.unetPrefix.count).dropLast(".weight".count)))
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ldm-loras-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var renamed = 0
        _ = try LoadReportTests.rewrite(Self.folder + "/kohya_locon.safetensors", drop: nil, extra: nil, rename: { key in
            guard key.hasPrefix("lora_unet_"), let dot = key.firstIndex(of: ".") else { return key }
            let module = String(key[key.index(key.startIndex, offsetBy: "lora_unet_".count)..<dot])
            guard let name = original[module] else { return key }
            renamed += 1
            return "lora_unet_" + name + key[dot...]
        }, destination: dir + "/locon_ldm.safetensors")
        #expect(renamed > 20)
        let library = try LoraLibrary(folder: dir, targets: model.loraTargets)
        let ldm = try library.adapter(named: "locon_ldm")
        let kohya = try LoraAdapter(path: Self.folder + "/kohya_locon.safetensors", targets: model.loraTargets)
        #expect(ldm.layerCount(.unet) == kohya.layerCount(.unet))
        let options = GenerationOptions(width: 64, height: 64, steps: 3, sampler: .euler)
        let request = GenerationRequest(prompt: "castle on a hill ", seed: 3)
        var a = request
        a.loras = [AppliedLora(kohya, weight: 0.8)]
        var b = request
        b.loras = [AppliedLora(ldm, weight: 0.8)]
        let images = try StableDiffusionPipeline(model: model).generate([a, b], options: options)
        #expect(images[0] == images[1])
    }

    /// The Renderer runs the engine on a thread of its own, outside any Swift task: the
    /// LoRAs (a task-local bound around each forward pass) must apply there too.
    @Test func lorasApplyOnAThreadOutsideAnyTask() async throws {
        let model = try Self.model.get()
        let (plain, styled) = try Self.foxWithAndWithoutStyle(model)
        let options = GenerationOptions(width: 64, height: 64, steps: 2, sampler: .euler)
        let pipeline = StableDiffusionPipeline(model: model)
        let requests = [plain, styled]
        let inTask = try pipeline.generate(requests, options: options)
        let onThread: [RGBImage]? = await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: try? pipeline.generate(requests, options: options)) }.start()
        }
        #expect(onThread == inTask)
        #expect(inTask[0] != inTask[1])
    }

    /// A file diffusers saved with its PEFT config in the metadata (`lora_adapter_metadata`):
    /// lora_alpha 8 over r 4 doubles every layer, as `load_lora_weights` applies it, except the
    /// layers `alpha_pattern` names; the same factors without the metadata at weight 2 agree.
    @Test func diffusersSavedPeftConfigSetsTheScale() throws {
        let model = try Self.model.get()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("peft-meta-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = #"{"unet.lora_alpha": 8, "unet.r": 4, "unet.alpha_pattern": {"mid_block.attentions.0.transformer_blocks.0.attn1.to_q": 4}, "text_encoder.lora_alpha": 8, "text_encoder.r": 4}"#
        _ = try LoadReportTests.rewrite(Self.folder + "/peft_style.safetensors", drop: nil, extra: nil,
                                        destination: dir + "/with_config.safetensors", metadata: ["lora_adapter_metadata": config])
        let withConfig = try LoraAdapter(path: dir + "/with_config.safetensors", targets: model.loraTargets)
        let plain = try LoraAdapter(path: Self.folder + "/peft_style.safetensors", targets: model.loraTargets)
        let scales = withConfig.updates(for: .unet)
        #expect(scales["down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"]?.scale == 2)
        #expect(scales["mid_block.attentions.0.transformer_blocks.0.attn1.to_q"]?.scale == 1, "alpha_pattern names this layer")
        #expect(withConfig.updates(for: .textEncoder).values.allSatisfy { $0.scale == 2 })
        #expect(plain.updates(for: .unet).values.allSatisfy { $0.scale == 1 }, "no metadata: alpha = rank")
    }

    @Test func aLoraForAnotherModelIsRefusedWithTheLayerNames() throws {
        let model = try Self.model.get()
        let library = try LoraLibrary(folder: Self.folder, targets: model.loraTargets)
        #expect {
            try library.adapter(named: "not_this_model")
        } throws: { error in
            let text = "\(error)"
            return text.contains("names layers this model does not have") && text.contains("lora_unet_down_blocks_7_attentions_0_proj_in")
                && text.contains("lora_te_text_model_encoder_layers_40_self_attn_q_proj")
        }
        let (usable, refused) = library.catalog()
        #expect(usable.map(\.name) == ["kohya_locon", "kohya_style", "old_diffusers", "peft_style"])
        #expect(refused.map(\.name) == ["not_this_model"])
    }

    @Test func filesCarryTheirDescriptionHashAndSize() throws {
        let model = try Self.model.get()
        let style = try LoraAdapter(path: Self.folder + "/kohya_style.safetensors", targets: model.loraTargets)
        #expect(style.summary == "Acuarela: a test watercolour style")
        #expect(style.shortHash.count == 12 && style.shortHash.allSatisfy(\.isHexDigit))
        #expect(style.layerCount(.unet) > 0 && style.layerCount(.textEncoder) > 0)
        let locon = try LoraAdapter(path: Self.folder + "/kohya_locon.safetensors", targets: model.loraTargets)
        #expect(locon.layerCount(.unet) > 0 && locon.layerCount(.textEncoder) == 0)
        #expect(style.byteCount > 0)
        let old = try LoraAdapter(path: Self.folder + "/old_diffusers.safetensors", targets: model.loraTargets)
        #expect(old.layerCount(.textEncoder) == 2, "layer 0's q_proj and v_proj, named .lora_linear_layer")
    }

    @Test func theCacheStaysWithinItsBound() throws {
        let model = try Self.model.get()
        let style = try LoraAdapter(path: Self.folder + "/kohya_style.safetensors", targets: model.loraTargets)
        let library = try LoraLibrary(folder: Self.folder, targets: model.loraTargets, cacheBytes: style.byteCount)
        _ = try library.adapter(named: "kohya_style")
        _ = try library.adapter(named: "peft_style")
        _ = try library.adapter(named: "kohya_locon")
        #expect(library.cachedBytes <= max(style.byteCount, try library.adapter(named: "kohya_locon").byteCount))
    }

    @Test func picklesAndStrangersAreRefused() throws {
        let model = try Self.model.get()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loras-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data([0x80, 0x02, 0x7d]).write(to: URL(fileURLWithPath: dir + "/pickled.safetensors"))
        try Data([0x80, 0x02]).write(to: URL(fileURLWithPath: dir + "/old.pt"))
        let library = try LoraLibrary(folder: dir, targets: model.loraTargets)
        #expect(throws: DiffusionError.pickledCheckpoint(path: dir + "/pickled.safetensors")) { try library.adapter(named: "pickled") }
        #expect(throws: DiffusionError.self) { try library.adapter(named: "old") }
        #expect(throws: DiffusionError.self) { try library.adapter(named: "../lora/kohya_style") }
        #expect(library.names() == ["pickled"])
    }
}

/// One case of lora/lora-cases.json.
struct LoraCase: Sendable, CustomStringConvertible {
    let name: String
    let prompts: [String]
    let promptsWithoutTags: [String]
    let negatives: [String?]
    let seeds: [UInt64]
    let guidance: Float
    let loraNames: [[String]]
    let options: GenerationOptions
    var description: String { name }

    static func all(_ file: String = "lora/lora-cases.json") throws -> [LoraCase] {
        let cases = try #require(try loadJSON(file) as? [[String: Any]])
        return try cases.map { c in
            let samplerName = try #require(c["sampler"] as? String)
            let sampler = try #require(Sampler(rawValue: samplerName))
            let loras = try #require(c["loras"] as? [[[String: Any]]])
            return LoraCase(
                name: try #require(c["name"] as? String), prompts: try #require(c["prompts"] as? [String]),
                promptsWithoutTags: try #require(c["prompts_without_tags"] as? [String]),
                negatives: try #require(c["negatives"] as? [Any]).map { $0 as? String },
                seeds: try #require(c["seeds"] as? [Int]).map { UInt64($0) }, guidance: Float(try #require(c["guidance"] as? Double)),
                loraNames: loras.map { $0.compactMap { $0["name"] as? String } },
                options: GenerationOptions(width: try #require(c["width"] as? Int), height: try #require(c["height"] as? Int),
                                           steps: try #require(c["steps"] as? Int), sampler: sampler))
        }
    }
}
