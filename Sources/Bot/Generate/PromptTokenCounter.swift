/// Counts CLIP tokens of a prompt, to tell the user what CLIP will not read (it reads 77
/// tokens: BOS, 75 of the prompt, EOS).
///
/// Ingest has no tokenizer of its own: the engine's `CLIPTokenizer` (Diffusion) is the
/// real one. A deployment that links Diffusion can adapt it to this protocol and pass it
/// to Ingest; until then `EstimatedCLIPTokenCounter` stands in.
public protocol PromptTokenCounter: Sendable {
    /// Tokens of `text`, without BOS/EOS.
    func tokenCount(_ text: String) -> Int
}

extension PromptTokenCounter {
    /// Splits the prompt at the first word that no longer fits in `limit` tokens:
    /// `cut` is the rest (empty when everything fits).
    public func split(_ prompt: String, limit: Int = 75) -> (kept: String, cut: String) {
        guard tokenCount(prompt) > limit else { return (prompt, "") }
        let words = prompt.split(whereSeparator: \.isWhitespace)
        var used = 0
        for (index, word) in words.enumerated() {
            used += tokenCount(String(word))
            if used > limit {
                return (words[..<index].joined(separator: " "), words[index...].joined(separator: " "))
            }
        }
        return (prompt, "")
    }
}

/// A conservative estimate of CLIP's BPE token count, for when the real tokenizer
/// (`BotTokenizer.CLIPPromptTokenCounter`, which the executables use) is not available.
/// It errs high — about 1.5× CLIP's count on ordinary English — so a "cut" warning may
/// be a false alarm but a real cut is rarely missed; a test checks it against the real
/// tokenizer on hard prompts. The pre-tokenization follows CLIP's regex (letter runs,
/// single digits, runs of other symbols); then
/// - a run of ASCII letters counts one token per 3 letters, rounded up (rare and long
///   words split into pieces of about 3–4 letters; "sdxl" is two tokens);
/// - each digit is one token (CLIP splits numbers digit by digit);
/// - each ASCII symbol is one token;
/// - each non-ASCII character counts as many tokens as it has UTF-8 bytes, halved and
///   rounded up (byte-level BPE: accented letters merge, emoji and CJK often do not).
public struct EstimatedCLIPTokenCounter: PromptTokenCounter {
    public init() {}

    public func tokenCount(_ text: String) -> Int {
        var count = 0
        var letterRun = 0
        func endRun() {
            if letterRun > 0 { count += (letterRun + 2) / 3 }
            letterRun = 0
        }
        for scalar in text.lowercased().unicodeScalars {
            if scalar.isASCII {
                let value = scalar.value
                if (0x61...0x7A).contains(value) {
                    letterRun += 1
                    continue
                }
                endRun()
                if scalar.properties.isWhitespace { continue }
                count += 1
            } else {
                endRun()
                if scalar.properties.isWhitespace { continue }
                count += (String(scalar).utf8.count + 1) / 2
            }
        }
        endRun()
        return count
    }
}
