/// What /help says about the model: the settings a plain request gets and the most steps
/// one may ask for (the model's profile, or the operator's settings), and the samplers on
/// offer, the size limits, and the user's own daily quota and waiting limit (read by
/// Ingest, nil when unknown). It travels in the outbox row, so the text matches the
/// limits the request met.
public struct ModelLine: Codable, Sendable, Equatable {
    public var steps: Int
    public var maxSteps: Int
    public var cfg: Float
    public var minCFG: Float
    public var maxCFG: Float
    public var sampler: String
    public var samplers: [String]
    public var width: Int
    public var height: Int
    public var maxSide: Int
    public var maxPixels: Int
    public var dailyLimit: Int?
    public var maxQueued: Int?

    public init(_ limits: GenerationLimits) {
        steps = limits.defaultSteps
        maxSteps = limits.maxSteps
        cfg = limits.defaultCFG
        minCFG = limits.minCFG
        maxCFG = limits.maxCFG
        sampler = limits.defaultSampler
        samplers = limits.samplers
        width = limits.defaultWidth
        height = limits.defaultHeight
        maxSide = limits.maxSide
        maxPixels = limits.maxPixels
    }

    /// The values of the full example in /help, chosen so that it is accepted as typed.
    var exampleSteps: Int { min(30, maxSteps) }
    var exampleCFG: String { GenerationLimits.format(min(max(8, minCFG), maxCFG)) }
    var exampleSampler: String { samplers.contains("dpmpp_2m_karras") ? "dpmpp_2m_karras" : sampler }
    var cfgText: String { GenerationLimits.format(cfg) }

    enum CodingKeys: String, CodingKey {
        case steps
        case maxSteps = "max_steps"
        case cfg
        case minCFG = "min_cfg"
        case maxCFG = "max_cfg"
        case sampler, samplers, width, height
        case maxSide = "max_side"
        case maxPixels = "max_pixels"
        case dailyLimit = "daily_limit"
        case maxQueued = "max_queued"
    }
}
