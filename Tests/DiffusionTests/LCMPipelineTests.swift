import Testing

@testable import Diffusion

/// The few-step path against diffusers: `pipe.scheduler = LCMScheduler.from_config(…)`, with
/// an LCM-LoRA-shaped LoRA at guidance 1 (no unconditional pass; one image and a batch of
/// two, whose fresh noise between steps comes from each image's own generator), with
/// classifier-free guidance, and in one step (scripts/diffusers/make_lcm_fixtures.py).
@Suite struct LCMPipelineTests {
    @Test(arguments: ["lcm-lora-g1", "lcm-lora-batch2", "lcm-g7.5", "lcm-1step"])
    func imagesMatchDiffusers(_ name: String) throws {
        let cases = try #require(try loadJSON("lcm/lcm-cases.json") as? [[String: Any]])
        let c = try #require(cases.first { $0["name"] as? String == name })
        let model = try StableDiffusionModel.load(path: fixtures + "/sd1-tiny")
        let library = try LoraLibrary(folder: fixtures + "/lcm", targets: model.loraTargets)
        let prompts = try #require(c["prompts"] as? [String])
        let negatives = try #require(c["negatives"] as? [Any])
        let seeds = try #require(c["seeds"] as? [Int])
        let guidance = try #require(c["guidance"] as? Double)
        var loras: [AppliedLora] = []
        if let lora = c["lora"] as? String {
            let weight = try #require(c["lora_weight"] as? Double)
            loras = [AppliedLora(try library.adapter(named: lora), weight: Float(weight))]
        }
        let requests = prompts.indices.map {
            GenerationRequest(prompt: prompts[$0], negativePrompt: (negatives[$0] as? String) ?? "", seed: UInt64(seeds[$0]),
                              guidanceScale: Float(guidance), loras: loras)
        }
        let width = try #require(c["width"] as? Int)
        let height = try #require(c["height"] as? Int)
        let steps = try #require(c["steps"] as? Int)
        let images = try StableDiffusionPipeline(model: model).generate(
            requests, options: GenerationOptions(width: width, height: height, steps: steps, sampler: .lcm))
        let reference = try reference("refs-lcm.safetensors", "image." + name)
        let per = width * height * 3
        for (i, image) in images.enumerated() {
            let worst = zip(image.pixels, reference.data[(i * per)..<((i + 1) * per)]).map { abs(Float($0) - $1) }.max() ?? .infinity
            #expect(worst <= 2, "\(name) image \(i): max pixel difference \(worst)/255")
        }
    }

    @Test func moreStepsThanTheDistilledScheduleAreRefused() throws {
        let model = try StableDiffusionModel.load(path: fixtures + "/sd1-tiny")
        #expect(throws: DiffusionError.self) {
            try StableDiffusionPipeline(model: model).generate(
                [GenerationRequest(prompt: "x", seed: 1)], options: GenerationOptions(width: 64, height: 64, steps: 51, sampler: .lcm))
        }
    }
}

/// An LCM-distilled model (a U-Net with `time_cond_proj_dim`, LCMScheduler in its folder)
/// against diffusers' `LatentConsistencyModelPipeline`: the guidance-scale embedding, one
/// U-Net call with it, and whole images (no classifier-free guidance; w = guidance − 1).
@Suite struct LCMModelTests {
    static let refs = "refs-lcm-tiny.safetensors"

    @Test func guidanceEmbeddingAndUNetMatchDiffusers() throws {
        let model = try StableDiffusionModel.load(path: fixtures + "/lcm-tiny")
        let dim = try #require(model.unet.config.timeCondProjDim)
        let expected = try reference(Self.refs, "guidance_embedding.w7.5")
        expectClose(guidanceScaleEmbedding([7.5], dim: dim), expected.data, shape: [1, dim], expectedShape: expected.shape, relative: 1e-5,
                    "guidance embedding")
        let x = try reference(Self.refs, "unet.sample")
        let cond = try reference(Self.refs, "unet.timestep_cond")
        let ctx = try reference(Self.refs, "unet.encoder_hidden_states")
        let out = model.unet(Tensor(shape: x.shape, data: x.data), timesteps: [999], context: Tensor(shape: ctx.shape, data: ctx.data),
                             timestepCond: Tensor(shape: cond.shape, data: cond.data))
        let expectedOut = try reference(Self.refs, "unet.out")
        expectClose(out.data, expectedOut.data, shape: out.shape, expectedShape: expectedOut.shape, relative: 1e-4, "LCM U-Net")
        #expect(model.schedulerConfig.defaultSampler == .lcm)
    }

    @Test(arguments: ["lcm-w8.5-4steps", "lcm-w1-2steps", "lcm-batch2"])
    func imagesMatchDiffusers(_ name: String) throws {
        let cases = try #require(try loadJSON("lcm-tiny-cases.json") as? [[String: Any]])
        let c = try #require(cases.first { $0["name"] as? String == name })
        let model = try StableDiffusionModel.load(path: fixtures + "/lcm-tiny")
        let prompts = try #require(c["prompts"] as? [String])
        let seeds = try #require(c["seeds"] as? [Int])
        let guidance = Float(try #require(c["guidance"] as? Double))
        let width = try #require(c["width"] as? Int)
        let height = try #require(c["height"] as? Int)
        let steps = try #require(c["steps"] as? Int)
        let requests = prompts.indices.map { GenerationRequest(prompt: prompts[$0], seed: UInt64(seeds[$0]), guidanceScale: guidance) }
        let images = try StableDiffusionPipeline(model: model).generate(requests, options: GenerationOptions(width: width, height: height, steps: steps))
        let reference = try reference(Self.refs, "image." + name)
        let per = width * height * 3
        for (i, image) in images.enumerated() {
            let worst = zip(image.pixels, reference.data[(i * per)..<((i + 1) * per)]).map { abs(Float($0) - $1) }.max() ?? .infinity
            #expect(worst <= 2, "\(name) image \(i): max pixel difference \(worst)/255")
        }
    }
}
