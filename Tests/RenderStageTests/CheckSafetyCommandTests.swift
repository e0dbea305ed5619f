import Foundation
import Testing
import TestSupport

/// `Renderer check-safety` as an operator runs it: one line per image (path, nsfw or ok,
/// the largest concept score) agreeing with diffusers on every fixture image, and one
/// clear error line for a file that is not a PNG.
@Suite struct CheckSafetyCommandTests {
    static let folder = StageProcess.repositoryRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/safety").path

    @Test func printsDiffusersDecisionForEachImage() async throws {
        let data = try #require(FileManager.default.contents(atPath: Self.folder + "/safety-refs.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let images = try #require(root["images"] as? [[String: Any]])
        let paths = images.compactMap { $0["file"] as? String }.map { Self.folder + "/" + $0 }
        let run = try StageProcess("Renderer", arguments: ["check-safety", "--checker", Self.folder + "/safety_checker"] + paths, environment: [:])
        #expect(await run.waitForExit(timeout: .seconds(60)) == 0, "\(run.log)")
        let lines = run.log.split(separator: "\n").map(String.init)
        #expect(lines.count == images.count, "\(run.log)")
        for (line, image) in zip(lines, images) {
            let verdict = try #require(image["verdict"] as? String)
            let margin = try #require(image["margin"] as? Double)
            let file = try #require(image["file"] as? String)
            #expect(line == "\(Self.folder)/\(file) \(verdict) \(String(format: "%.3f", margin))")
        }
    }

    @Test func aFileThatIsNotAPNGIsOneErrorLine() async throws {
        let run = try StageProcess("Renderer", arguments: ["check-safety", "--checker", Self.folder + "/safety_checker", Self.folder + "/safety-refs.json"],
                                   environment: [:])
        #expect(await run.waitForExit(timeout: .seconds(60)) == 1)
        #expect(run.log.hasPrefix("error: ") && run.log.contains("not a readable PNG"), "\(run.log)")
        #expect(run.log.split(separator: "\n").count == 1)
    }
}
