import Diffusion
import PromptSyntax

extension Sampler {
    /// The sampler a person names as they would in the chat: the engine's name,
    /// AUTOMATIC1111's ("DPM++ 2M Karras", "Euler a") or k-diffusion's, in any case
    /// (`SamplerNames`, the table the bot reads too). Nil for a name it does not know.
    public init?(typedName: String) {
        guard let engine = SamplerNames.engineName(typedName) else { return nil }
        self.init(rawValue: engine)
    }
}
