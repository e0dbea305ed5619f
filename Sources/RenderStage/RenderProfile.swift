import Diffusion
import Schema

/// The settings a model is good at, which the Renderer publishes (`model_profiles`) so
/// that Ingest's defaults and limits fit the model it serves:
/// - `lcm`: an LCM-distilled U-Net (`time_cond_proj_dim`) or a folder shipping
///   LCMScheduler: 4 steps, the LCM sampler; guidance 8.5 for the distilled U-Net (its
///   guidance embedding, as LatentConsistencyModelPipeline's default), 1 otherwise.
/// - `lcm-lora`: any SD model with an LCM-LoRA applied to every job: 4 steps, LCM, guidance 1.
/// - `turbo`: a folder whose scheduler uses trailing timesteps (SD-Turbo's
///   EulerDiscreteScheduler): 1 step, guidance 0, its own sampler.
/// - `standard`: 20 steps, guidance 7.5, Euler a, every sampler but LCM.
/// Sizes start at the size the U-Net was trained at (`sample_size` × 8).
public enum RenderProfile {
    public enum Kind: String, Sendable, CaseIterable {
        case standard, turbo, lcm
        case lcmLora = "lcm-lora"
    }

    /// The kind a model calls for; `override` (LIENZO_PROFILE) wins.
    public static func kind(of model: StableDiffusionModel, lcmLora: Bool, override: Kind? = nil) -> Kind {
        if let override { return override }
        if lcmLora { return .lcmLora }
        if model.unet.config.timeCondProjDim != nil || model.schedulerConfig.defaultSampler == .lcm { return .lcm }
        if model.schedulerConfig.timestepSpacing == .trailing { return .turbo }
        return .standard
    }

    public static func profile(for model: StableDiffusionModel, kind: Kind) -> ModelProfile {
        let side = model.unet.config.sampleSize * 8
        let everyButLCM = Sampler.allCases.filter { $0 != .lcm }.map(\.rawValue)
        switch kind {
        case .standard:
            return ModelProfile(kind: kind.rawValue, defaultSteps: 20, maxSteps: 50, defaultGuidance: 7.5, minGuidance: 1, maxGuidance: 20,
                                defaultSampler: Sampler.eulerAncestral.rawValue, samplers: everyButLCM, defaultWidth: side, defaultHeight: side)
        case .turbo:
            let own = model.schedulerConfig.defaultSampler == .lcm ? Sampler.euler : model.schedulerConfig.defaultSampler
            return ModelProfile(kind: kind.rawValue, defaultSteps: 1, maxSteps: 4, defaultGuidance: 0, minGuidance: 0, maxGuidance: 2,
                                defaultSampler: own.rawValue, samplers: everyButLCM, defaultWidth: side, defaultHeight: side)
        case .lcm:
            let distilled = model.unet.config.timeCondProjDim != nil
            return ModelProfile(kind: kind.rawValue, defaultSteps: 4, maxSteps: 8, defaultGuidance: distilled ? 8.5 : 1, minGuidance: 1,
                                maxGuidance: distilled ? 15 : 2, defaultSampler: Sampler.lcm.rawValue, samplers: [Sampler.lcm.rawValue],
                                defaultWidth: side, defaultHeight: side)
        case .lcmLora:
            return ModelProfile(kind: kind.rawValue, defaultSteps: 4, maxSteps: 8, defaultGuidance: 1, minGuidance: 1, maxGuidance: 2,
                                defaultSampler: Sampler.lcm.rawValue, samplers: [Sampler.lcm.rawValue], defaultWidth: side, defaultHeight: side)
        }
    }
}
