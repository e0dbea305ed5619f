import Foundation
import Schema

/// The caption under a delivered photo, in AUTOMATIC1111's format so it can be pasted
/// back to /generate to reproduce the image:
///
///     a castle at dusk
///     Negative prompt: blurry
///     Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: sd-v1-5
///
/// Telegram allows 1024 characters, counted in UTF-16 code units (an emoji is two or
/// more): the parameter line always fits whole; the prompt and the negative prompt are
/// cut (with "…") to make room.
public enum Caption {
    public static let maxLength = 1024

    public static func make(_ request: RenderRequest, maxLength: Int = Caption.maxLength) -> String {
        let sampler = GenerationLimits.a1111SamplerName(request.sampler)
        let parameters = "Steps: \(request.steps), Sampler: \(sampler), CFG scale: \(GenerationLimits.format(request.guidance)), "
            + "Seed: \(request.seed), Size: \(request.width)x\(request.height), Model: \(modelName(request.model))"
        let negativeLabel = "Negative prompt: "
        // Room left for the prompt texts: parameters, newlines and the label.
        var room = maxLength - parameters.utf16.count - 1
        var prompt = request.prompt
        var negative = request.negativePrompt
        if !negative.isEmpty { room -= negativeLabel.utf16.count + 1 }
        if prompt.utf16.count + negative.utf16.count > room {
            // The prompt gets at least two thirds of the room.
            negative = cut(negative, to: min(negative.utf16.count, max(0, room / 3)))
            prompt = cut(prompt, to: max(0, room - negative.utf16.count))
        }
        var lines = [prompt]
        if !negative.isEmpty { lines.append(negativeLabel + negative) }
        lines.append(parameters)
        return cut(lines.joined(separator: "\n"), to: maxLength)
    }

    /// The model's file or folder name: a server path has no place in a chat.
    static func modelName(_ model: String) -> String {
        model.split(separator: "/").last.map(String.init) ?? model
    }

    /// At most `length` UTF-16 code units, whole characters only, "…" when cut.
    public static func cut(_ text: String, to length: Int) -> String {
        guard text.utf16.count > length else { return text }
        guard length > 1 else { return "" }
        var kept = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            guard used + size <= length - 1 else { break }
            kept.append(character)
            used += size
        }
        return kept + "…"
    }
}
