import Diffusion
import PromptSyntax

/// A job's prompt as the engine takes it: the text without its `<lora:…>` tags, and the
/// tags resolved to the Renderer's LoRA files.
struct PromptLoras {
    let text: String
    let loras: [AppliedLora]

    /// Throws `RenderRejection` (the job fails at once, with the reason for the user) for
    /// a malformed tag, a LoRA this Renderer does not have, or any tag without a folder.
    init(_ prompt: String, library: LoraLibrary?) throws {
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
            throw RenderRejection("this Renderer has no LoRA folder, so \(parsed.loras.map(\.text).joined(separator: " ")) cannot be applied")
        }
        text = parsed.text
        loras = try parsed.loras.map { tag in
            do {
                return AppliedLora(try library.adapter(named: tag.name), weight: tag.weight)
            } catch {
                throw RenderRejection("LoRA \(tag.name): \(error)")
            }
        }
    }
}
