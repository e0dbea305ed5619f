import Diffusion
import PromptSyntax

/// A prompt as the engine takes it: the text without its `<lora:…>` tags, and the tags
/// resolved to the LoRA folder's files (the Renderer's jobs and `Renderer render` alike).
public struct PromptLoras {
    public let text: String
    public let loras: [AppliedLora]

    /// Throws `RenderRejection` (a job fails at once, with the reason for the user) for a
    /// malformed tag, a LoRA the folder does not have, or any tag without a folder.
    public init(_ prompt: String, library: LoraLibrary?) throws {
        let parsed: LoraPrompt
        do {
            parsed = try LoraPrompt(parsing: prompt)
        } catch {
            throw RenderRejection("\(error)")
        }
        guard !parsed.loras.isEmpty else {
            text = prompt
            loras = []
            return
        }
        guard let library else {
            throw RenderRejection(
                "no LoRA folder is configured (LIENZO_LORA_DIR, or --lora-dir for render), so \(parsed.loras.map(\.text).joined(separator: " ")) cannot be applied")
        }
        text = parsed.text
        loras = try parsed.loras.map { tag in
            do {
                return AppliedLora(try library.adapter(named: tag.name), weight: tag.weight)
            } catch {
                throw RenderRejection("\(error)")  // names the LoRA and why
            }
        }
    }
}
