import Foundation
import Schema

/// The operators' prompt rules (table `prompt_rules`), compiled for matching; pure, so
/// Ingest checks every request against it without I/O. What is checked is what the user
/// asks to draw: the positive prompt with its `<lora:…>` tags taken out (`check(_:)`),
/// not the `--no` part, which names what to keep out of the picture.
///
/// Both sides go through `PromptNormalizer`. A term matches whole words only, so "ass"
/// does not match "class", and a word's letter may repeat more often than the term's
/// ("nuuude" is "nude") but not less ("as" is not "ass"). A trailing `*` on a term also
/// matches longer words. A pattern is a regular expression over the normalised words
/// joined by single spaces and must match whole words; it sees repeated letters as typed,
/// so it says where a letter may repeat (`nu+de`).
public struct PromptBlocklist: Sendable {
    struct Term: Sendable {
        var rule: PromptRule
        /// The normalised words, each as runs of one letter.
        var words: [[Run]]
        var prefix: Bool
    }

    struct Run: Sendable, Equatable {
        var character: Character
        var count: Int
    }

    struct Pattern: @unchecked Sendable {
        var rule: PromptRule
        // A compiled regex is immutable; Regex<AnyRegexOutput> is not declared Sendable.
        var regex: Regex<AnyRegexOutput>
    }

    private var terms: [Term] = []
    private var patterns: [Pattern] = []
    /// Rules that cannot match anything and were left out: a pattern that does not compile,
    /// a term with no letters or digits. Ingest logs them.
    public private(set) var skipped: [PromptRule] = []

    public static let empty = PromptBlocklist([])

    public init(_ rules: [PromptRule]) {
        for rule in rules {
            switch rule.kind {
            case .term:
                var text = rule.rule.trimmingCharacters(in: .whitespaces)
                let prefix = text.hasSuffix("*")
                if prefix { text.removeLast() }
                let words = PromptNormalizer.words(text).map(Self.runs)
                if words.isEmpty { skipped.append(rule) } else { terms.append(Term(rule: rule, words: words, prefix: prefix)) }
            case .pattern:
                if let regex = try? Regex("(?:^| )(?:" + rule.rule + ")(?= |$)") {
                    patterns.append(Pattern(rule: rule, regex: regex))
                } else {
                    skipped.append(rule)
                }
            }
        }
    }

    public var count: Int { terms.count + patterns.count }

    /// The first rule (in table order, terms before patterns) that `prompt` breaks for a
    /// user answered in `language`; nil when none does.
    public func match(_ prompt: String, language: BotLanguage) -> PromptRule? {
        let words = PromptNormalizer.words(prompt)
        guard !words.isEmpty else { return nil }
        let runs = words.map(Self.runs)
        for term in terms where term.rule.applies(to: language) && Self.contains(runs, term) {
            return term.rule
        }
        let applicable = patterns.filter { $0.rule.applies(to: language) }
        guard !applicable.isEmpty else { return nil }
        let text = words.joined(separator: " ")
        for pattern in applicable where text.contains(pattern.regex) {
            return pattern.rule
        }
        return nil
    }

    /// The rule a request's prompt breaks: its positive prompt without LoRA tags.
    public func check(_ request: RenderRequest, language: BotLanguage) -> PromptRule? {
        match(GenerationLimits.clipText(of: request.prompt), language: language)
    }

    static func runs(_ word: String) -> [Run] {
        var runs: [Run] = []
        for character in word {
            if runs.last?.character == character { runs[runs.count - 1].count += 1 } else { runs.append(Run(character: character, count: 1)) }
        }
        return runs
    }

    static func contains(_ prompt: [[Run]], _ term: Term) -> Bool {
        guard prompt.count >= term.words.count else { return false }
        for start in 0...(prompt.count - term.words.count) {
            let matched = term.words.indices.allSatisfy { index in
                let prefix = term.prefix && index == term.words.count - 1
                return wordMatches(prompt[start + index], term.words[index], prefix: prefix)
            }
            if matched { return true }
        }
        return false
    }

    /// The same letters in the same order, each at least as often as the term has it;
    /// with `prefix`, the word may go on.
    static func wordMatches(_ word: [Run], _ term: [Run], prefix: Bool) -> Bool {
        guard prefix ? word.count >= term.count : word.count == term.count else { return false }
        return zip(word, term).allSatisfy { $0.character == $1.character && $0.count >= $1.count }
    }
}

extension PromptRule {
    func applies(to language: BotLanguage) -> Bool {
        self.language.map { $0 == language.rawValue } ?? true
    }
}
