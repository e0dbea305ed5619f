import Diffusion
import Foundation
import RenderStage
import Schema
import Testing
import TestSupport

/// The profile a Renderer publishes follows what its model is: SD 1.x/2.x standard,
/// SD-Turbo's trailing scheduler, an LCM-distilled U-Net, an LCM-LoRA on every job, or
/// the operator's override; sizes start at the U-Net's training size.
@Suite struct RenderProfileTests {
    static let fixtures = StageProcess.repositoryRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures").path

    @Test func eachKindOfModelGetsItsSettings() throws {
        let sd1 = try StableDiffusionModel.load(path: Self.fixtures + "/sd1-tiny")
        let standard = RenderProfile.profile(for: sd1, kind: RenderProfile.kind(of: sd1, lcmLora: false))
        #expect(standard == ModelProfile(kind: "standard", defaultSteps: 20, maxSteps: 50, defaultGuidance: 7.5, minGuidance: 1, maxGuidance: 20,
                                         defaultSampler: "euler_a", samplers: ["pndm", "ddim", "euler", "euler_a", "lms", "dpmpp_2m", "dpmpp_2m_karras"],
                                         defaultWidth: 64, defaultHeight: 64), "sd1-tiny's U-Net was made at sample_size 8")

        var turbo = sd1
        turbo.schedulerConfig.timestepSpacing = .trailing
        turbo.schedulerConfig.defaultSampler = .euler
        let turboProfile = RenderProfile.profile(for: turbo, kind: RenderProfile.kind(of: turbo, lcmLora: false))
        #expect(turboProfile.kind == "turbo" && turboProfile.defaultSteps == 1 && turboProfile.defaultGuidance == 0)
        #expect(turboProfile.defaultSampler == "euler" && turboProfile.minGuidance == 0)

        let lcm = try StableDiffusionModel.load(path: Self.fixtures + "/lcm-tiny")
        let lcmProfile = RenderProfile.profile(for: lcm, kind: RenderProfile.kind(of: lcm, lcmLora: false))
        #expect(lcmProfile.kind == "lcm" && lcmProfile.defaultSteps == 4 && lcmProfile.defaultGuidance == 8.5)
        #expect(lcmProfile.samplers == ["lcm"] && lcmProfile.defaultSampler == "lcm")

        let lcmLora = RenderProfile.profile(for: sd1, kind: RenderProfile.kind(of: sd1, lcmLora: true))
        #expect(lcmLora.kind == "lcm-lora" && lcmLora.defaultGuidance == 1 && lcmLora.defaultSampler == "lcm")
        #expect(RenderProfile.kind(of: lcm, lcmLora: false, override: .standard) == .standard)
    }

    @Test func anLCMLoraOnEveryJobChangesTheImageAndTheProfile() throws {
        let model = Self.fixtures + "/sd1-tiny"
        let plain = try DiffusionRenderEngine(model: model)
        let withLora = try DiffusionRenderEngine(model: model, files: .init(loraFolder: Self.fixtures + "/lcm", lcmLora: "lcm_lora"))
        #expect(withLora.profile.kind == "lcm-lora")
        let request = RenderRequest(prompt: "a red fox", model: model, width: 64, height: 64, steps: 4, guidance: 1, seed: 42, sampler: "lcm")
        let a = try plain.render([request]) { _ in }.map(\.png)
        let b = try withLora.render([request]) { _ in }.map(\.png)
        #expect(a != b)
        #expect(String(decoding: b[0], as: UTF8.self).contains("Lora hashes: \"lcm_lora: "))
        #expect(throws: RenderRejection.self) { try DiffusionRenderEngine(model: model, files: .init(lcmLora: "lcm_lora")) }
        // more LCM steps than the distilled schedule has fail at once, not after retries
        #expect(throws: RenderRejection.self) {
            try plain.validate(RenderRequest(prompt: "x", model: model, width: 64, height: 64, steps: 51, seed: 1, sampler: "lcm"))
        }
    }

    @Test func taesdAsTheDecoder() throws {
        let model = Self.fixtures + "/sd1-tiny"
        let engine = try DiffusionRenderEngine(model: model, files: .init(vae: Self.fixtures + "/vae/taesd", decoder: "taesd"))
        #expect(try engine.render([RenderRequest(prompt: "x", model: model, width: 64, height: 64, steps: 2, seed: 1, sampler: "euler")]) { _ in }.count == 1)
        #expect(throws: RenderRejection.self) {
            try DiffusionRenderEngine(model: model, files: .init(vae: Self.fixtures + "/vae/vae-ft", decoder: "taesd"))
        }
        #expect(throws: RenderRejection.self) { try DiffusionRenderEngine(model: model, files: .init(decoder: "taesd")) }
    }
}
