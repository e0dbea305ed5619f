import Schema

/// A setting a model profile brings, named by the environment key that overrides it.
public enum ProfileSetting: String, CaseIterable, Sendable {
    case defaultSize = "LIENZO_DEFAULT_SIZE"
    case defaultSteps = "LIENZO_DEFAULT_STEPS"
    case maxSteps = "LIENZO_MAX_STEPS"
    case defaultCFG = "LIENZO_DEFAULT_CFG"
    case minCFG = "LIENZO_MIN_CFG"
    case maxCFG = "LIENZO_MAX_CFG"
    case defaultSampler = "LIENZO_DEFAULT_SAMPLER"
    case samplers = "LIENZO_SAMPLERS"
}

/// The model's published profile (table `model_profiles`, written by the Renderer) over
/// the limits Ingest read from its environment. Precedence: a setting the operator gave
/// (`explicit`) > the profile > the built-in default.
extension GenerationLimits {
    /// These limits with `profile` in every setting `explicit` does not name; self when
    /// there is no profile. Where a profile value contradicts an explicit one, the profile
    /// gives way so that the limits stay consistent: its maximum grows to an explicit
    /// default, its default shrinks to an explicit maximum (CFG alike), an explicit default
    /// sampler joins its list, and its default sampler is kept only if an explicit list
    /// offers it. A profile size outside the side and pixel bounds is not taken.
    public func applying(_ profile: ModelProfile?) -> GenerationLimits {
        guard let profile else { return self }
        var limits = self
        func pick<T>(_ setting: ProfileSetting, _ published: T, else current: T) -> T {
            explicit.contains(setting) ? current : published
        }

        limits.maxSteps = pick(.maxSteps, max(profile.maxSteps, explicit.contains(.defaultSteps) ? defaultSteps : 1), else: maxSteps)
        limits.defaultSteps = pick(.defaultSteps, min(profile.defaultSteps, limits.maxSteps), else: defaultSteps)

        let fixedCFG = [(ProfileSetting.minCFG, minCFG), (.defaultCFG, defaultCFG), (.maxCFG, maxCFG)]
            .filter { explicit.contains($0.0) }.map(\.1)
        limits.minCFG = pick(.minCFG, fixedCFG.reduce(profile.minGuidance, min), else: minCFG)
        limits.maxCFG = pick(.maxCFG, fixedCFG.reduce(profile.maxGuidance, max), else: maxCFG)
        limits.defaultCFG = pick(.defaultCFG, min(max(profile.defaultGuidance, limits.minCFG), limits.maxCFG), else: defaultCFG)

        limits.samplers = pick(.samplers, profile.samplers, else: samplers)
        if !limits.samplers.contains(defaultSampler) && explicit.contains(.defaultSampler) {
            limits.samplers.append(defaultSampler)
        }
        let offered = limits.samplers.contains(profile.defaultSampler)
        limits.defaultSampler = pick(.defaultSampler, offered ? profile.defaultSampler : defaultSampler, else: defaultSampler)

        if !explicit.contains(.defaultSize), sizeAllowed(width: profile.defaultWidth, height: profile.defaultHeight) {
            limits.defaultWidth = profile.defaultWidth
            limits.defaultHeight = profile.defaultHeight
        }
        return limits
    }

    /// An earlier job's request (a button under its photo) brought within these limits:
    /// on this deployment's model, steps and CFG clamped into their bounds, a sampler no
    /// longer offered replaced by the default one, a size out of bounds by the default size.
    public func fitted(_ request: RenderRequest) -> RenderRequest {
        var request = request
        request.model = model
        request.steps = min(max(request.steps, 1), maxSteps)
        request.guidance = min(max(request.guidance, minCFG), maxCFG)
        if !samplers.contains(request.sampler) { request.sampler = defaultSampler }
        if !sizeAllowed(width: request.width, height: request.height) {
            request.width = defaultWidth
            request.height = defaultHeight
        }
        return request
    }

    /// Both sides multiples of 8 within the side bounds, and not too many pixels.
    func sizeAllowed(width: Int, height: Int) -> Bool {
        width % 8 == 0 && height % 8 == 0 && (minSide...maxSide).contains(width) && (minSide...maxSide).contains(height)
            && width * height <= maxPixels
    }
}
