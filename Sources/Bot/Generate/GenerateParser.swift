/// Reads the text after /generate (or a private chat's plain text) into options.
///
/// The syntax (docs/telegram.md): the prompt, then options anywhere after a space —
/// `--no <negative prompt…>` (everything up to the next option), `--seed N`,
/// `--steps N`, `--cfg X`, `--size WxH`, `--sampler NAME`; `--opt=value` works too, and
/// a leading em/en dash counts as `--` because phones turn `--` into `—`. Spanish names
/// work as well: `--negativo`, `--semilla`, `--pasos`, `--tamaño` (or `--tamano`).
/// `--seed -1` is a random seed, as in AUTOMATIC1111.
///
/// A sampler name may take several words (`--sampler DPM++ 2M Karras`, `--sampler Euler a`,
/// quoted or not): the longest engine sampler name the words after `--sampler` spell is
/// the value, and whatever is left before the next option is not prompt text — it is
/// refused by name (`textAfterOption`) rather than guessed at. A name that matches
/// nothing takes every word up to the next option, for the validator to refuse.
///
/// Pasted AUTOMATIC1111 parameters work as well: a line `Negative prompt: …` and a line
/// `Steps: 30, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x768, …` (keys the bot
/// does not use are skipped, `Schedule type: Karras` turns `DPM++ 2M` into
/// `DPM++ 2M Karras`; explicit options win). This is also the caption format, so a
/// caption pasted back reproduces the image.
public enum GenerateParser {
    static let negativeNames: Set = ["no", "neg", "negative", "negativo"]

    /// Stores `value` under the option `name` (aliases included); false for an unknown name.
    static func set(_ name: String, _ value: String, in options: inout GenerateOptions) -> Bool {
        switch name {
        case "seed", "semilla": options.seed = value
        case "steps", "pasos": options.steps = value
        case "cfg", "guidance", "scale": options.cfg = value
        case "size", "tamaño", "tamano": options.size = value
        case "sampler": options.sampler = value
        default: return false
        }
        return true
    }

    static let knownNames: Set = [
        "seed", "semilla", "steps", "pasos", "cfg", "guidance", "scale", "size", "tamaño", "tamano", "sampler",
    ]

    /// The most words one sampler name takes ("DPM++ 2M Karras").
    static let longestSamplerName = 4
    static let quotes: Set<Character> = ["\"", "'", "“", "”", "„", "«", "»", "‘", "’"]

    /// The sampler name starting at `inline` (the text after `--sampler=`, if any) or at
    /// `words[index]`, up to the next option; moves `index` past the words it read.
    static func samplerValue(inline: String?, words: [Substring], index: inout Int) -> Result<String, Rejection> {
        var candidates: [Substring] = []
        if let inline, !inline.isEmpty { candidates.append(Substring(inline)) }
        var end = index
        while end < words.count, option(in: words[end]) == nil { end += 1 }
        candidates += words[index..<end]
        index = end
        guard let first = candidates.first else { return .failure(Rejection.missingValue(option: "--sampler")) }

        var taken: Int
        if let quote = first.first, quotes.contains(quote) {
            // Quoted: up to the word that ends with a quote (or everything, unclosed).
            taken = candidates.count
            for (offset, word) in candidates.enumerated() {
                let body = offset == 0 ? word.dropFirst() : word
                if let last = body.last, quotes.contains(last) {
                    taken = offset + 1
                    break
                }
            }
        } else {
            taken = candidates.count
            for count in stride(from: min(longestSamplerName, candidates.count), through: 1, by: -1)
            where GenerationLimits.isSamplerName(candidates[..<count].joined(separator: " ")) {
                taken = count
                break
            }
        }
        let value = String(candidates[..<taken].joined(separator: " ").drop { quotes.contains($0) }.reversed()
            .drop { quotes.contains($0) }.reversed()).trimmingWhitespace()
        guard !value.isEmpty else { return .failure(Rejection.missingValue(option: "--sampler")) }
        let rest = candidates[taken...]
        guard rest.isEmpty else {
            return .failure(Rejection.textAfterOption(
                option: "--sampler", value: value.echoed(), text: rest.joined(separator: " ").echoed()))
        }
        return .success(value)
    }

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
            if name == "sampler" {
                switch samplerValue(inline: inline, words: words, index: &index) {
                case .success(let value): options.sampler = value
                case .failure(let rejection): return .failure(rejection)
                }
                continue
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
        if options.sampler == nil, let sampler = parameters["sampler"] {
            // AUTOMATIC1111 1.9+ writes the schedule apart: "Sampler: DPM++ 2M, Schedule type: Karras".
            let karras = parameters["schedule type"]?.lowercased() == "karras"
                && GenerationLimits.normalizedSampler(sampler) == "dpmpp_2m"
            options.sampler = karras ? "dpmpp_2m_karras" : sampler
        }
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
