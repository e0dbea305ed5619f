/// A /generate request as the user typed it, before validation: every option is the raw
/// text that followed it, so the validator can quote it back in an error.
public struct GenerateOptions: Sendable, Equatable {
    public var prompt: String = ""
    public var negativePrompt: String = ""
    public var seed: String?
    public var steps: String?
    public var cfg: String?
    public var size: String?
    public var sampler: String?

    public init(prompt: String = "", negativePrompt: String = "") {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
    }
}
