import Diffusion
import Foundation
import PromptSyntax
import RenderStage
import Testing
import TestSupport

/// `Renderer render` and the bot agree (#16): the same defaults for the same model (the
/// profile the Renderer publishes for Ingest), the chat's spellings (`--cfg`, `--size WxH`,
/// "DPM++ 2M Karras"), and the same sampler names written back.
@Suite struct RenderCommandTests {
    static let model = RenderProfileTests.fixtures + "/sd1-tiny"

    @Test func leftOutSettingsAreTheBotsDefaultsForTheModel() async throws {
        let profile = RenderProfile.profile(for: try StableDiffusionModel.load(path: Self.model), kind: .standard)
        let sampler = try #require(Sampler(rawValue: profile.defaultSampler))
        let parameters = try await Self.render(["--prompt", "a tree", "--seed", "3"])
        #expect(parameters.contains(
            "Steps: \(profile.defaultSteps), Sampler: \(sampler.a1111Name), CFG scale: 7.5, Seed: 3, Size: \(profile.defaultWidth)x\(profile.defaultHeight),"),
            "\(parameters)")
        #expect(parameters.contains("Sampler: Euler a"), "as the bot's standard profile, not the folder's PNDM")
    }

    @Test func theChatsSpellingsAreAccepted() async throws {
        let parameters = try await Self.render([
            "--prompt", "a castle", "--steps", "2", "--seed", "4", "--sampler", "dpm++ 2m karras", "--cfg", "5", "--size", "64x128",
        ])
        #expect(parameters.contains("Steps: 2, Sampler: DPM++ 2M Karras, CFG scale: 5, Seed: 4, Size: 64x128,"), "\(parameters)")
        #expect(try await Self.render(["--prompt", "x", "--steps", "1", "--sampler", "k_euler_a"]).contains("Sampler: Euler a"))
        for (arguments, message) in [
            (["--sampler", "heun"], "error: unknown sampler 'heun'; choose one of PLMS, DDIM, Euler, Euler a, LMS, DPM++ 2M, DPM++ 2M Karras, LCM"),
            (["--size", "64x64", "--width", "64"], "error: give --size or --width and --height, not both"),
            (["--size", "big"], "error: --size must be WxH, e.g. 512x768, not 'big'"),
            (["--size", "60x64"], "error: the width and height must be positive multiples of 8, got 60"),
        ] {
            let run = try StageProcess(path: StageProcess.binary("Renderer"), arguments: ["render", "--model", Self.model, "--prompt", "x"] + arguments, environment: [:])
            #expect(await run.waitForExit(timeout: .seconds(60)) == 1)
            #expect(run.log == message + "\n")
        }
    }

    /// One table of names: the engine's sampler for each name people type, and the name
    /// the PNG's `parameters` write, agree with Diffusion's `Sampler`.
    @Test func oneTableNamesTheEnginesSamplers() {
        #expect(Set(SamplerNames.table.map(\.engine)) == Set(Sampler.allCases.map(\.rawValue)))
        for row in SamplerNames.table {
            let sampler = Sampler(rawValue: row.engine)
            #expect(sampler?.a1111Name == row.a1111)
            for name in [row.engine, row.a1111, row.a1111.uppercased()] + row.aliases { #expect(Sampler(typedName: name) == sampler, "\(name)") }
        }
        #expect(Sampler(typedName: "DPM++ SDE Karras") == nil)
    }

    /// Runs `Renderer render` on the tiny model; returns the PNG's `parameters` text.
    static func render(_ arguments: [String]) async throws -> String {
        let out = try ScratchFolder.make("render").appendingPathComponent("out.png").path
        let run = try StageProcess(
            path: StageProcess.binary("Renderer"), arguments: ["render", "--model", model, "--quiet", "--out", out] + arguments, environment: [:])
        guard await run.waitForExit(timeout: .seconds(120)) == 0 else { throw TestFailure("render failed: \(run.log)") }
        let png = try Data(contentsOf: URL(fileURLWithPath: out))
        // The tEXt chunk is Latin-1 text after "parameters\0".
        let text = String(decoding: png, as: UTF8.self)
        guard let start = text.range(of: "parameters\u{0}") else { throw TestFailure("no parameters in \(out)") }
        return String(text[start.upperBound...])
    }
}
