import Foundation
@testable import PNG
import Testing

@testable import Diffusion

/// diffusers' StableDiffusionSafetyChecker on a tiny random checker (scripts/diffusers/
/// make_safety_fixtures.py): Pillow's bicubic resize and the centre crop byte for byte,
/// the vision tower's embeddings, and each image's decision and scores as diffusers rounds
/// them — images of several sizes, some flagged, one flagged only through the special-care
/// adjustment.
@Suite struct SafetyCheckerTests {
    static let folder = fixtures + "/safety"
    static let refs = "safety/safety-refs.safetensors"

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let file: String
        let nsfw: Bool
        let margin: Double
        let conceptScores: [Double]
        let specialScores: [Double]
        var description: String { name }
    }

    static let cases: [Case] = {
        guard let root = try? loadJSON("safety/safety-refs.json") as? [String: Any], let images = root["images"] as? [[String: Any]] else { return [] }
        func scores(_ any: Any?) -> [Double] {
            let dict = (any as? [String: Double]) ?? [:]
            return (0..<dict.count).compactMap { dict[String($0)] }
        }
        return images.compactMap { i in
            guard let name = i["name"] as? String, let file = i["file"] as? String, let nsfw = i["has_nsfw_concept"] as? Bool,
                  let margin = i["margin"] as? Double else { return nil }
            return Case(name: name, file: file, nsfw: nsfw, margin: margin, conceptScores: scores(i["concept_scores"]),
                        specialScores: scores(i["special_scores"]))
        }
    }()

    static func image(_ c: Case) throws -> RGBImage {
        let data = try #require(FileManager.default.contents(atPath: folder + "/" + c.file))
        let png = try PNGDecoder.decode([UInt8](data))
        return RGBImage(width: png.width, height: png.height, pixels: png.rgb)
    }

    @Test func everyCaseIsThereWithBothDecisions() {
        #expect(Self.cases.count == 7)
        #expect(Set(Self.cases.map(\.nsfw)) == [true, false])
    }

    @Test(arguments: cases)
    func resizeAndCropMatchPillow(_ c: Case) throws {
        let checker = try StableDiffusionSafetyChecker.load(path: Self.folder + "/safety_checker")
        let cropped = checker.preprocessor.resizedAndCropped(try Self.image(c))
        let expected = try reference(Self.refs, "crop." + c.name)
        #expect(expected.shape == [1, 224, 224, 3])
        let differing = zip(cropped.pixels, expected.data).filter { Float($0) != $1 }.count
        #expect(differing == 0, "\(c.name): \(differing) bytes differ from Pillow's")
    }

    @Test(arguments: cases)
    func embeddingsAndDecisionsMatchDiffusers(_ c: Case) throws {
        let checker = try StableDiffusionSafetyChecker.load(path: Self.folder + "/safety_checker")
        let pixels = checker.preprocessor.pixelValues(try Self.image(c))
        if c.name == "noise-37x53" {
            let expected = try reference(Self.refs, "pixel_values." + c.name)
            expectClose(pixels, expected.data, relative: 1e-6, "\(c.name) pixel values")
        }
        let embeds = checker.imageEmbeds(Tensor(shape: [1, 3, 224, 224], data: pixels))
        let expected = try reference(Self.refs, "image_embeds." + c.name)
        expectClose(embeds, expected.data, shape: [1, embeds.count], expectedShape: expected.shape, relative: 1e-4, "\(c.name) image embeds")
        let verdict = checker.check([try Self.image(c)])[0]
        #expect(verdict.nsfw == c.nsfw)
        #expect(verdict.conceptScores == c.conceptScores)
        #expect(verdict.specialScores == c.specialScores)
        #expect(verdict.margin == c.margin)
    }

    /// The Renderer checks a whole micro-batch in one vision pass: the same verdicts.
    @Test func aBatchGivesEachImageItsOwnVerdict() throws {
        let checker = try StableDiffusionSafetyChecker.load(path: Self.folder + "/safety_checker")
        let verdicts = checker.check(try Self.cases.map(Self.image))
        #expect(verdicts.map(\.nsfw) == Self.cases.map(\.nsfw))
        #expect(verdicts.map(\.margin) == Self.cases.map(\.margin))
    }

    @Test func theOlderPreprocessorConfigMeansTheSame() throws {
        let current = try CLIPImagePreprocessor(json: JSONConfig(path: Self.folder + "/feature_extractor/preprocessor_config.json"))
        let legacy = try CLIPImagePreprocessor(json: JSONConfig(path: Self.folder + "/preprocessor_config-legacy.json"))
        #expect(current == legacy)
        #expect(current == CLIPImagePreprocessor())
    }

    @Test func alphaIsCompositedOntoWhiteAsPillowDoes() {
        #expect(PNGDecoder.overWhite(0, alpha: 0) == 255)
        #expect(PNGDecoder.overWhite(200, alpha: 255) == 200)
        #expect(PNGDecoder.overWhite(0, alpha: 128) == 127)
    }
}
