import Foundation

/// A prompt as the blocklist reads it, so that spelling tricks do not get a word past it:
///
/// 1. compatibility decomposition with the marks dropped: accents and other diacritics go
///    (`é` is `e`, `ñ` is `n`), and full-width or styled letters (`ｎ`, `𝐧`) become plain;
///    invisible format characters (zero-width spaces and joiners) are removed;
/// 2. lowercase;
/// 3. words are runs of letters, digits, `@` and `$`; everything else separates them;
/// 4. in a word that has a letter, digits read as the letters they stand in for (`0` o,
///    `1` i, `3` e, `4` a, `5` s, `7` t), `@` as a and `$` as s; a number stays a number;
/// 5. three or more one-letter words in a row, split by the same separator, are one word:
///    `n.s.f.w`, `n s f w`, `p-0-r-n` (but `n s f w, p-o-r-n` is two).
///
/// Repeated letters are kept here: `PromptBlocklist` compares runs of letters, so that
/// "nuuude" matches "nude" while "as" does not match "ass". Pure; no I/O.
public enum PromptNormalizer {
    /// The normalised words of `text`, in order.
    public static func words(_ text: String) -> [String] {
        var folded = String.UnicodeScalarView()
        for scalar in text.decomposedStringWithCompatibilityMapping.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: continue
            default: folded.append(scalar)
            }
        }
        var words: [Word] = []
        var current = ""
        var separator = ""
        for character in String(folded).lowercased() {
            if character.isLetter || character.isNumber || character == "@" || character == "$" {
                current.append(character)
            } else {
                if !current.isEmpty {
                    words.append(Word(text: readingDigits(current), separatorBefore: separator))
                    current = ""
                    separator = ""
                }
                separator.append(character)
            }
        }
        if !current.isEmpty { words.append(Word(text: readingDigits(current), separatorBefore: separator)) }
        return joiningSpelledOut(words)
    }

    struct Word {
        var text: String
        /// What came between it and the word before.
        var separatorBefore: String
        /// A letter, or a digit that stands in for one (`p 0 r n`).
        var isOneLetter: Bool {
            guard text.count == 1, let character = text.first else { return false }
            return character.isLetter || digitLetters[character] != nil
        }
    }

    static let digitLetters: [Character: Character] = ["0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"]

    /// `p0rn` is porn and `$3x` is sex, but 1024 stays 1024.
    static func readingDigits(_ word: String) -> String {
        guard word.contains(where: \.isLetter) else { return word }
        return String(word.map { digitLetters[$0] ?? $0 })
    }

    /// Runs of three or more one-letter words become one word.
    static func joiningSpelledOut(_ words: [Word]) -> [String] {
        var out: [String] = []
        var index = 0
        while index < words.count {
            var end = index + 1
            if words[index].isOneLetter {
                while end < words.count, words[end].isOneLetter,
                      end == index + 1 || words[end].separatorBefore == words[index + 1].separatorBefore { end += 1 }
            }
            if end - index >= 3 {
                out.append(readingDigits(words[index..<end].map(\.text).joined()))
                index = end
            } else {
                out.append(words[index].text)
                index += 1
            }
        }
        return out
    }
}
