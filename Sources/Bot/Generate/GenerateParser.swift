/// Reads the text after /generate (or a private chat's plain text) into options.
///
/// The syntax (docs/telegram.md): the prompt, then options anywhere after a space —
/// `--no <negative prompt…>` (everything up to the next option), `--seed N`,
/// `--steps N`, `--cfg X`, `--size WxH`, `--sampler NAME`; `--opt=value` works too, and
/// a leading em/en dash counts as `--` because phones turn `--` into `—`. Pasted
/// AUTOMATIC1111 parameters work as well: a line `Negative prompt: …` and a line
/// `Steps: 30, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x768, …` (keys the bot
/// does not use are skipped; explicit options win). This is also the caption format, so
/// a caption pasted back reproduces the image.
public enum GenerateParser {
    static let negativeNames: Set = ["no", "neg", "negative"]

    /// Stores `value` under the option `name` (aliases included); false for an unknown name.
    static func set(_ name: String, _ value: String, in options: inout GenerateOptions) -> Bool {
        switch name {
        case "seed": options.seed = value
        case "steps": options.steps = value
        case "cfg", "guidance", "scale": options.cfg = value
        case "size": options.size = value
        case "sampler": options.sampler = value
        default: return false
        }
        return true
    }

    static let knownNames: Set = ["seed", "steps", "cfg", "guidance", "scale", "size", "sampler"]

    public static func parse(_ text: String) -> Result<GenerateOptions, Rejection> {
        var promptLines: [Substring] = []
        var negativeLines: [Substring] = []
        var parameters: [String: String] = [:]
        var inNegative = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0.isWhitespace }
            let lower = trimmed.lowercased()
            if let rest = dropPrefix(["negative prompt:", "prompt negativo:"], of: trimmed, lower: lower) {
                inNegative = true
                negativeLines.append(rest)
            } else if lower.hasPrefix("steps:") {
                parameters = a1111Parameters(trimmed)
                inNegative = false
            } else if inNegative {
                negativeLines.append(line)
            } else {
                promptLines.append(line)
            }
        }

        var options = GenerateOptions()
        var promptWords: [Substring] = []
        var negativeWords: [Substring] = []
        let words = promptLines.joined(separator: " ").split(whereSeparator: \.isWhitespace)
        var index = 0
        var collectingNegative = false
        while index < words.count {
            let word = words[index]
            index += 1
            guard let (name, inline) = option(in: word) else {
                if collectingNegative { negativeWords.append(word) } else { promptWords.append(word) }
                continue
            }
            if negativeNames.contains(name) {
                collectingNegative = true
                if let inline, !inline.isEmpty { negativeWords.append(Substring(inline)) }
                continue
            }
            collectingNegative = false
            guard knownNames.contains(name) else {
                return .failure(Rejection.unknownOption(option: ("--" + name).echoed()))
            }
            if let inline, !inline.isEmpty {
                _ = set(name, inline, in: &options)
            } else if index < words.count, option(in: words[index]) == nil {
                _ = set(name, String(words[index]), in: &options)
                index += 1
            } else {
                return .failure(Rejection.missingValue(option: "--" + name))
            }
        }

        options.prompt = promptWords.joined(separator: " ")
        let negativeFromLines = negativeLines.joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " ")
        options.negativePrompt = [negativeWords.joined(separator: " "), negativeFromLines]
            .filter { !$0.isEmpty }.joined(separator: ", ")
        if options.steps == nil { options.steps = parameters["steps"] }
        if options.cfg == nil { options.cfg = parameters["cfg scale"] }
        if options.seed == nil { options.seed = parameters["seed"] }
        if options.size == nil { options.size = parameters["size"] }
        if options.sampler == nil { options.sampler = parameters["sampler"] }
        return .success(options)
    }

    /// `--name`, `--name=value`, `—name` → (lowercased name, inline value).
    static func option(in word: Substring) -> (String, String?)? {
        var rest: Substring
        if word.hasPrefix("--") {
            rest = word.dropFirst(2)
        } else if word.hasPrefix("—") || word.hasPrefix("–") {
            rest = word.dropFirst(1)
        } else {
            return nil
        }
        guard let first = rest.first, first.isLetter else { return nil }
        var inline: String?
        if let equals = rest.firstIndex(of: "=") {
            inline = String(rest[rest.index(after: equals)...])
            rest = rest[..<equals]
        }
        return (rest.lowercased(), inline)
    }

    private static func dropPrefix(_ prefixes: [String], of line: Substring, lower: String) -> Substring? {
        for prefix in prefixes where lower.hasPrefix(prefix) {
            return line.dropFirst(prefix.count)
        }
        return nil
    }

    /// "Steps: 30, Sampler: Euler a, CFG scale: 7" → ["steps": "30", "sampler": "Euler a", "cfg scale": "7"].
    static func a1111Parameters(_ line: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for field in line.split(separator: ",") {
            guard let colon = field.firstIndex(of: ":") else { continue }
            let key = field[..<colon].trimmingWhitespace().lowercased()
            let value = field[field.index(after: colon)...].trimmingWhitespace()
            if !key.isEmpty, !value.isEmpty { result[key] = value }
        }
        return result
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
