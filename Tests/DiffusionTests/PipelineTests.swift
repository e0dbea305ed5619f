import Testing

@testable import Diffusion

struct PipelineCase: CustomStringConvertible, Sendable {
    let kind: String
    let name: String
    let sampler: Sampler
    let requests: [GenerationRequest]
    let options: GenerationOptions
    let spacing: TimestepSpacing?
    var description: String { "\(kind) \(name)" }

    static func all(_ kind: String) throws -> [PipelineCase] {
        let cases = try #require(try loadJSON("pipeline-\(kind).json") as? [[String: Any]])
        return try cases.map { c in
            let prompts = try #require(c["prompts"] as? [String])
            let negatives = try #require(c["negatives"] as? [Any])
            let seeds = try #require(c["seeds"] as? [Int])
            let g = Float(try #require(c["guidance"] as? Double))
            let requests = prompts.indices.map {
                GenerationRequest(prompt: prompts[$0], negativePrompt: (negatives[$0] as? String) ?? "", seed: UInt64(seeds[$0]), guidanceScale: g)
            }
            let samplerName = try #require(c["sampler"] as? String)
            let sampler = try #require(Sampler(rawValue: samplerName))
            let options = GenerationOptions(width: try #require(c["width"] as? Int), height: try #require(c["height"] as? Int),
                                            steps: try #require(c["steps"] as? Int), sampler: sampler)
            return PipelineCase(kind: kind, name: try #require(c["name"] as? String), sampler: sampler, requests: requests, options: options,
                                spacing: (c["spacing"] as? String).flatMap(TimestepSpacing.init(rawValue:)))
        }
    }
}

/// Full text-to-image runs against diffusers' images: every sampler at guidance 7.5 with a
/// negative prompt, guidance 1, 64×96 and 96×64, SD 2's v-prediction, a trailing-spacing
/// 1-step run and a batch of three with per-image prompts, negatives and seeds.
@Suite struct PipelineTests {
    static let cases: [PipelineCase] = ((try? PipelineCase.all("sd1")) ?? []) + ((try? PipelineCase.all("sd2")) ?? [])

    @Test func fixtureCasesAreAllThere() {
        #expect(Self.cases.count >= 20)
    }

    @Test(arguments: cases)
    func imagesMatchDiffusers(_ c: PipelineCase) throws {
        var model = try StableDiffusionModel.load(path: fixtures + "/\(c.kind)-tiny")
        if let s = c.spacing { model.schedulerConfig.timestepSpacing = s }
        var progressSteps = [Int]()
        let images = try StableDiffusionPipeline(model: model).generate(c.requests, options: c.options) { p in
            if p.stage == .denoising { progressSteps.append(p.step) }
        }
        let expected = try reference("refs-\(c.kind).safetensors", "image." + c.name)
        #expect(expected.shape == [c.requests.count, c.options.height, c.options.width, 3])
        #expect(images.count == c.requests.count)
        #expect(progressSteps == Array(1...(c.sampler == .pndm && c.options.steps > 1 ? c.options.steps + 1 : c.options.steps)))
        let per = c.options.height * c.options.width * 3
        for (i, image) in images.enumerated() {
            #expect(image.width == c.options.width && image.height == c.options.height)
            let ref = expected.data[(i * per)..<((i + 1) * per)]
            var worst: Float = 0
            for (a, b) in zip(image.pixels, ref) { worst = max(worst, abs(Float(a) - b)) }
            #expect(worst <= 2, "\(c) image \(i): max pixel difference \(worst)/255; first values \(Array(image.pixels.prefix(6))) vs \(Array(ref.prefix(6)))")
        }
    }

    /// A batch with mixed guidance (incl. ≤ 1) equals the same requests run one by one.
    @Test func batchEqualsSeparateRuns() throws {
        let model = try loadFixtureModel("sd1-tiny.safetensors")
        let pipeline = StableDiffusionPipeline(model: model)
        let requests = [
            GenerationRequest(prompt: "a cat", negativePrompt: "dog", seed: 1, guidanceScale: 7.5),
            GenerationRequest(prompt: "a dog", seed: 2, guidanceScale: 1),
            GenerationRequest(prompt: "a bird, watercolor", negativePrompt: "photo", seed: 3, guidanceScale: 3),
        ]
        let options = GenerationOptions(width: 64, height: 64, steps: 3, sampler: .eulerAncestral)
        let batched = try pipeline.generate(requests, options: options)
        for (i, r) in requests.enumerated() {
            let alone = try pipeline.generate([r], options: options)
            let worst = zip(alone[0].pixels, batched[i].pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(worst <= 1, "request \(i): batched differs from alone by \(worst)/255")
        }
        #expect(batched[0].pixels != batched[1].pixels)
    }

    /// The single-file checkpoint renders the same image as the folder it was converted from.
    @Test func singleFileRendersLikeTheFolder() throws {
        let c = try #require(Self.cases.first { $0.kind == "sd2" && $0.name == "ddim-g7.5-neg" })
        let model = try loadFixtureModel("sd2-tiny.safetensors")
        let image = try StableDiffusionPipeline(model: model).generate(c.requests, options: c.options)[0]
        let expected = try reference("refs-sd2.safetensors", "image." + c.name)
        let worst = zip(image.pixels, expected.data).map { abs(Float($0) - $1) }.max() ?? 0
        #expect(worst <= 2, "single-file SD 2 image differs by \(worst)/255")
    }

    /// Without a sampler the model's own scheduler runs (PNDM for SD 1.5's config, DDIM for SD 2's).
    @Test func defaultSamplerIsTheModelsScheduler() throws {
        #expect(try StableDiffusionModel.load(path: fixtures + "/sd1-tiny").schedulerConfig.defaultSampler == .pndm)
        let sd2 = try StableDiffusionModel.load(path: fixtures + "/sd2-tiny")
        #expect(sd2.schedulerConfig.defaultSampler == .ddim)
        let c = try #require(Self.cases.first { $0.kind == "sd2" && $0.name == "ddim-g7.5-neg" })
        var options = c.options
        options.sampler = nil
        let image = try StableDiffusionPipeline(model: sd2).generate(c.requests, options: options)[0]
        let expected = try reference("refs-sd2.safetensors", "image." + c.name)
        let worst = zip(image.pixels, expected.data).map { abs(Float($0) - $1) }.max() ?? 0
        #expect(worst <= 2, "default-sampler SD 2 image differs by \(worst)/255")
    }

    @Test func rejectsSizesThatAreNotMultiplesOf8() throws {
        let model = try StableDiffusionModel.load(path: fixtures + "/sd1-tiny")
        #expect(throws: DiffusionError.self) {
            try StableDiffusionPipeline(model: model).generate([GenerationRequest(prompt: "x", seed: 1)], options: GenerationOptions(width: 60, height: 64, steps: 1))
        }
    }
}
