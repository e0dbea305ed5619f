/// Why a request was refused; each case has its own reply in every language.
/// Values echoed from the user (`value`, `option`) are cut short before they get here.
public enum Rejection: Error, Codable, Sendable, Equatable {
    case emptyPrompt
    case promptTooLong(length: Int, max: Int)
    case unknownOption(option: String)
    case missingValue(option: String)
    case invalidNumber(option: String, value: String)
    case outOfRange(option: String, value: String, min: String, max: String)
    case invalidSize(value: String)
    case sizeNotMultipleOf8(width: Int, height: Int)
    case sizeOutOfRange(width: Int, height: Int, minSide: Int, maxSide: Int, maxPixels: Int)
    case unknownSampler(value: String, known: [String])
    /// Words after an option's value that are neither the value nor another option
    /// (`--sampler Euler a castle`): options come after the prompt, so they are not
    /// prompt text either, and the bot says so instead of guessing.
    case textAfterOption(option: String, value: String, text: String)
    /// A `<lora:…>` tag that cannot be read: no name, a weight that is not a number, or
    /// more parts than NAME and WEIGHT.
    case invalidLoraTag(tag: String)
    /// A LoRA the model does not offer: never published, gone, or hidden by an operator.
    case unknownLora(name: String)
    case tooManyLoras(count: Int, max: Int)
    /// `tag` is the LoRA with its weights summed, as one tag.
    case loraWeightOutOfRange(tag: String, min: String, max: String)
    /// The prompt breaks one of the operators' prompt rules (`PromptBlocklist`). The reply
    /// never says which word: that would teach the way around it.
    case blockedPrompt
    case banned
    case dailyLimit(used: Int, limit: Int)
    case queueFull(pending: Int, max: Int)
    /// A button of a job that is gone (purged) or not found.
    case jobUnavailable
    /// "Send as file" after the image bytes were dropped.
    case imageUnavailable
    /// "Send as file" after retention dropped the PNG: it is kept `keptSeconds` after it is
    /// sent (`LIENZO_KEEP_IMAGES_FOR`; 0: not at all).
    case imageExpired(keptSeconds: Int)
    /// The /forget button pressed by someone else than the user who asked.
    case notYourButton
    case unknownButton

    /// A short machine-readable name for `telegram_updates.outcome` and logs.
    public var code: String {
        switch self {
        case .emptyPrompt: "empty_prompt"
        case .promptTooLong: "prompt_too_long"
        case .unknownOption: "unknown_option"
        case .missingValue: "missing_value"
        case .invalidNumber: "invalid_number"
        case .outOfRange(let option, _, _, _): "out_of_range:" + option
        case .invalidSize: "invalid_size"
        case .sizeNotMultipleOf8: "size_not_multiple_of_8"
        case .sizeOutOfRange: "size_out_of_range"
        case .unknownSampler: "unknown_sampler"
        case .textAfterOption: "text_after_option"
        case .invalidLoraTag: "invalid_lora_tag"
        case .unknownLora: "unknown_lora"
        case .tooManyLoras: "too_many_loras"
        case .loraWeightOutOfRange: "lora_weight_out_of_range"
        case .blockedPrompt: "blocked_prompt"
        case .banned: "banned"
        case .dailyLimit: "daily_limit"
        case .queueFull: "queue_full"
        case .jobUnavailable: "job_unavailable"
        case .imageUnavailable: "image_unavailable"
        case .imageExpired: "image_expired"
        case .notYourButton: "not_your_button"
        case .unknownButton: "unknown_button"
        }
    }
}

extension String {
    /// User text echoed in a reply: at most `limit` characters, control characters gone.
    func echoed(limit: Int = 32) -> String {
        let clean = String(String.UnicodeScalarView(unicodeScalars.filter { $0.properties.generalCategory != .control }))
        return clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
    }
}
