/// The settings that suit a model (table `model_profiles`): what its Renderer derives at
/// start-up and Ingest applies to requests, unless the operator set them in Ingest's
/// environment. Guidance is the CFG scale; samplers are the engine's names.
public struct ModelProfile: Sendable, Equatable {
    /// What the Renderer found: `standard`, `turbo`, `lcm` (an LCM-distilled U-Net) or
    /// `lcm-lora`; the table refuses other kinds.
    public var kind: String
    public var defaultSteps: Int
    public var maxSteps: Int
    public var defaultGuidance: Float
    public var minGuidance: Float
    public var maxGuidance: Float
    public var defaultSampler: String
    /// The samplers a request may name; `defaultSampler` is one of them.
    public var samplers: [String]
    public var defaultWidth: Int
    public var defaultHeight: Int

    public init(
        kind: String, defaultSteps: Int, maxSteps: Int, defaultGuidance: Float, minGuidance: Float, maxGuidance: Float,
        defaultSampler: String, samplers: [String], defaultWidth: Int, defaultHeight: Int
    ) {
        self.kind = kind
        self.defaultSteps = defaultSteps
        self.maxSteps = maxSteps
        self.defaultGuidance = defaultGuidance
        self.minGuidance = minGuidance
        self.maxGuidance = maxGuidance
        self.defaultSampler = defaultSampler
        self.samplers = samplers
        self.defaultWidth = defaultWidth
        self.defaultHeight = defaultHeight
    }
}

extension JobQueue {
    /// Makes `profile` the profile of `model` (the Renderer, at start-up), replacing an
    /// earlier one. Throws a `PostgresError` naming the CHECK a profile breaks: steps
    /// outside 1 ≤ default ≤ max ≤ 1000, guidance outside 0 ≤ min ≤ default ≤ max, a
    /// default sampler not among `samplers`, a sampler that is not a lowercase name, a side
    /// that is not a multiple of 8, or an unknown kind.
    public func publishProfile(model: String, _ profile: ModelProfile) async throws {
        try await connection.query(
            EmbeddedSQL.Queries.publishModelProfile, model, profile.kind, profile.defaultSteps, profile.maxSteps,
            profile.defaultGuidance, profile.minGuidance, profile.maxGuidance, profile.defaultSampler,
            PostgresTextArray(profile.samplers), profile.defaultWidth, profile.defaultHeight)
    }

    /// The profile published for `model`; nil while no Renderer of it has published one.
    public func profile(model: String) async throws -> ModelProfile? {
        try await connection.query(EmbeddedSQL.Queries.modelProfile, model).first.map { row in
            ModelProfile(
                kind: try row.decode("kind"), defaultSteps: try row.decode("default_steps"),
                maxSteps: try row.decode("max_steps"), defaultGuidance: try row.decode("default_guidance"),
                minGuidance: try row.decode("min_guidance"), maxGuidance: try row.decode("max_guidance"),
                defaultSampler: try row.decode("default_sampler"),
                samplers: try row.decode("samplers", as: String.self).split(separator: ",").map(String.init),
                defaultWidth: try row.decode("default_width"), defaultHeight: try row.decode("default_height"))
        }
    }
}
