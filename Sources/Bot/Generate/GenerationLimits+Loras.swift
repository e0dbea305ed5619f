import PromptSyntax

/// The rules on a prompt's LoRA tags (`<lora:NAME>`, `<lora:NAME:WEIGHT>`; PromptSyntax
/// reads them). The tags stay in the job's prompt as typed: the Renderer reads them from
/// there, and the caption shows them as AUTOMATIC1111 does. Whether a name exists is a
/// question for the database, so Ingest asks it apart (`unknownLora`).
extension GenerationLimits {
    /// Why the tags of `prompt` are refused, if they are: a tag that cannot be read, too
    /// many LoRAs, or a LoRA whose weights (summed over its tags) leave the bounds.
    func loraRejection(in prompt: String) -> Rejection? {
        let loras: [LoraTag]
        do throws(LoraTagError) {
            loras = try LoraPrompt(parsing: prompt).loras
        } catch {
            return .invalidLoraTag(tag: error.tag.echoed(limit: 48))
        }
        guard loras.count <= maxLoras else { return .tooManyLoras(count: loras.count, max: maxLoras) }
        // Repeated tags add up in Float: a hair past a bound is rounding, not intent.
        let slack: Float = 1e-4
        if let tag = loras.first(where: { $0.weight < minLoraWeight - slack || $0.weight > maxLoraWeight + slack }) {
            return .loraWeightOutOfRange(tag: tag.text.echoed(limit: 48), min: Self.format(minLoraWeight), max: Self.format(maxLoraWeight))
        }
        return nil
    }

    /// The LoRAs an accepted prompt names, one per name in order of first mention; empty
    /// for most prompts.
    public static func loras(in prompt: String) -> [LoraTag] {
        (try? LoraPrompt(parsing: prompt).loras) ?? []
    }

    /// The refusal for `loras` when one is not among `visible` (the model's published LoRAs
    /// an operator did not hide); nil when all are. Names match exactly, as file stems do.
    public static func unknownLora(in loras: [LoraTag], visible: Set<String>) -> Rejection? {
        loras.first { !visible.contains($0.name) }.map { .unknownLora(name: $0.name.echoed(limit: 48)) }
    }

    /// What CLIP reads of a prompt: the Renderer takes the tags out before tokenizing, so
    /// they must not count toward its 75 tokens.
    public static func clipText(of prompt: String) -> String {
        (try? LoraPrompt(parsing: prompt).text) ?? prompt
    }
}
