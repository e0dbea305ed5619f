import Diffusion
import Foundation
import RenderStage
import Schema

extension RenderCommand {
    /// What `render` was asked for, checked before the model loads. Settings left out are
    /// nil here and come from the model's profile (`RenderProfile`), the same defaults the
    /// Renderer publishes for the bot, so a model renders alike from the chat and from here.
    struct Plan {
        var prompts: [String]
        var negatives: [String] = []
        var seeds: [UInt64] = []
        var steps: Int?
        var guidance: Float?
        var sampler: Sampler?
        var width: Int?
        var height: Int?
        var clipSkip = 0
        var prediction: PredictionType?
        var latents: String?
        var stepNoise: String?

        /// The bot's defaults for `model`: what its Renderer would publish (no LCM-LoRA, no override).
        func profile(for model: StableDiffusionModel) -> ModelProfile {
            RenderProfile.profile(for: model, kind: RenderProfile.kind(of: model, lcmLora: false))
        }

        func guidance(for model: StableDiffusionModel) -> Float {
            guidance ?? profile(for: model).defaultGuidance
        }

        func requests(for model: StableDiffusionModel) -> [GenerationRequest] {
            let guidance = guidance(for: model)
            return prompts.indices.map { i in
                GenerationRequest(prompt: prompts[i], negativePrompt: negatives[i], seed: seeds[i], guidanceScale: guidance)
            }
        }

        /// The options with every default filled in; the noise files are read and their
        /// shapes checked against the size now known.
        func options(for model: StableDiffusionModel) throws -> GenerationOptions {
            let profile = profile(for: model)
            let width = width ?? profile.defaultWidth, height = height ?? profile.defaultHeight
            var options = GenerationOptions(
                width: width, height: height, steps: steps ?? profile.defaultSteps,
                sampler: sampler ?? Sampler(rawValue: profile.defaultSampler), clipSkip: clipSkip)
            let n = prompts.count
            if let latents {
                let t = try NPY.read(path: latents)
                guard t.shape == [n, 4, height / 8, width / 8] else {
                    throw DiffusionError.invalidArgument("--latents \(latents) has shape \(t.shape), expected \([n, 4, height / 8, width / 8])")
                }
                options.initialLatents = t
            }
            if let stepNoise {
                let t = try NPY.read(path: stepNoise)
                guard t.shape.count == 5, Array(t.shape.dropFirst()) == [n, 4, height / 8, width / 8] else {
                    throw DiffusionError.invalidArgument(
                        "--step-noise \(stepNoise) has shape \(t.shape), expected [steps, \(n), 4, \(height / 8), \(width / 8)]")
                }
                options.stepNoise = t
            }
            return options
        }
    }
}
