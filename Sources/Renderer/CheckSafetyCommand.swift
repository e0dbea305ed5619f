import ArgumentParser
import Diffusion
import Foundation
import PNG

/// `Renderer check-safety`: diffusers' StableDiffusionSafetyChecker on PNG files, one line
/// per image: its path, `nsfw` or `ok`, and the largest concept score (cosine similarity
/// minus the concept's threshold, after the special-care adjustment, rounded as diffusers
/// rounds): above 0 is flagged.
struct CheckSafetyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-safety",
        abstract: "Run Stable Diffusion's safety checker on PNG images: one line per image, its path, nsfw or ok, and the largest concept score.")

    @Option(help: ArgumentHelp("The checker: a safety_checker/ folder (config.json + model.safetensors; preprocessing from ../feature_extractor/) or a .safetensors file with config.json beside it.", valueName: "PATH"))
    var checker: String

    @Argument(help: ArgumentHelp("PNG images.", valueName: "IMAGE.png"))
    var images: [String]

    @Option(help: "Threads (default: all cores).") var threads: Int?

    func run() async throws {
        do {
            guard !images.isEmpty else { throw DiffusionError.invalidArgument("give at least one IMAGE.png") }
            if let threads { setThreadCount(threads) }
            let model = try StableDiffusionSafetyChecker.load(path: checker)
            let decoded = try images.map { path -> RGBImage in
                guard let data = FileManager.default.contents(atPath: path) else { throw DiffusionError.fileNotFound(path: path) }
                do {
                    let png = try PNGDecoder.decode([UInt8](data))
                    return RGBImage(width: png.width, height: png.height, pixels: png.rgb)
                } catch {
                    throw DiffusionError.invalidArgument("\(path) is not a readable PNG: \(error)")
                }
            }
            for (path, verdict) in zip(images, model.check(decoded)) {
                print("\(path) \(verdict.nsfw ? "nsfw" : "ok") \(String(format: "%.3f", verdict.margin))")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(String(describing: error).replacingOccurrences(of: "\n", with: " "))\n".utf8))
            throw ExitCode.failure
        }
    }
}
