import Diffusion
import Foundation
import PNG
import RenderStage
import Schema
import Testing

/// The real engine with the tiny random safety checker of the fixtures: every image of a
/// batch gets the verdict `Renderer check-safety` gives its PNG, and a model folder without
/// `safety_checker/` gets none unless one is named.
@Suite struct RenderEngineSafetyTests {
    static let fixtures = RenderProfileTests.fixtures

    @Test func everyImageOfABatchGetsTheCheckersVerdictOnItsPNG() throws {
        let model = Self.fixtures + "/sd1-tiny"
        let checkerPath = Self.fixtures + "/safety/safety_checker"
        let engine = try DiffusionRenderEngine(model: model, files: .init(safetyChecker: checkerPath))
        #expect(engine.safetyChecker != nil)
        let requests = (1...4).map { seed in
            RenderRequest(prompt: "a fox \(seed)", model: model, width: 64, height: 64, steps: 2, seed: Int64(seed), sampler: "euler")
        }
        let images = try engine.render(requests) { _ in }
        let checker = try StableDiffusionSafetyChecker.load(path: checkerPath)
        for image in images {
            let png = try PNGDecoder.decode([UInt8](image.png))
            let alone = try #require(checker.check([RGBImage(width: png.width, height: png.height, pixels: png.rgb)]).first)
            let verdict = try #require(image.safety)
            #expect(verdict.nsfw == alone.nsfw)
            #expect(abs(Double(verdict.margin) - alone.margin) < 1e-3)
        }
    }

    @Test func noCheckerUnlessTheModelHasOneOrOneIsNamed() throws {
        let model = Self.fixtures + "/sd1-tiny"
        let engine = try DiffusionRenderEngine(model: model)
        #expect(engine.safetyChecker == nil)
        let request = RenderRequest(prompt: "x", model: model, width: 64, height: 64, steps: 1, seed: 1, sampler: "euler")
        #expect(try engine.render([request]) { _ in }.first?.safety == nil)
        let off = try DiffusionRenderEngine(model: model, files: .init(safetyChecker: "off"))
        #expect(off.safetyChecker == nil)
    }
}
