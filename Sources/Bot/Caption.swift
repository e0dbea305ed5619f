import Foundation
import Schema

/// The caption under a delivered photo, in AUTOMATIC1111's format so it can be pasted
/// back to /generate to reproduce the image:
///
///     a castle at dusk
///     Negative prompt: blurry
///     Steps: 20, Sampler: euler_a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: sd-v1-5
///
/// Telegram allows 1024 characters: the parameter line always fits whole; the prompt
/// and the negative prompt are cut (with "…") to make room.
public enum Caption {
    public static let maxLength = 1024

    public static func make(_ request: RenderRequest, maxLength: Int = Caption.maxLength) -> String {
        let parameters = "Steps: \(request.steps), Sampler: \(request.sampler), CFG scale: \(GenerationLimits.format(request.guidance)), "
            + "Seed: \(request.seed), Size: \(request.width)x\(request.height), Model: \(request.model)"
        let negativeLabel = "Negative prompt: "
        // Room left for the prompt texts: parameters, newlines and the label.
        var room = maxLength - parameters.count - 1
        var prompt = request.prompt
        var negative = request.negativePrompt
        if !negative.isEmpty { room -= negativeLabel.count + 1 }
        if prompt.count + negative.count > room {
            // The prompt gets at least two thirds of the room.
            let negativeRoom = min(negative.count, max(0, room / 3))
            negative = cut(negative, to: negativeRoom)
            prompt = cut(prompt, to: max(0, room - negative.count))
        }
        var lines = [prompt]
        if !negative.isEmpty { lines.append(negativeLabel + negative) }
        lines.append(parameters)
        let caption = lines.joined(separator: "\n")
        return caption.count > maxLength ? String(caption.prefix(maxLength)) : caption
    }

    static func cut(_ text: String, to length: Int) -> String {
        guard text.count > length else { return text }
        guard length > 1 else { return "" }
        return String(text.prefix(length - 1)) + "…"
    }
}
