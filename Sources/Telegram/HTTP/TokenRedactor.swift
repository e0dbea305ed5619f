import Foundation
import Runtime

/// Removes the bot token from any text bound for an error or a log line: libcurl's
/// error buffer can quote the URL, and a server may echo it.
///
/// Three passes, because each alone can miss: the exact token, its percent-encoded form
/// (`:` → `%3A`), and anything token-shaped after `/bot`, which also catches a token
/// other than ours (a stale one in a proxy's error page).
public struct TokenRedactor: Sendable {
    private let token: Secret

    public init(token: Secret) { self.token = token }

    public func redact(_ text: String) -> String {
        var result = token.redact(in: text)
        let encoded = token.revealed.replacingOccurrences(of: ":", with: "%3A")
        if !token.revealed.isEmpty {
            result = result.replacingOccurrences(of: encoded, with: "<redacted>", options: .caseInsensitive)
        }
        return Self.redactTokenShapes(in: result)
    }

    /// `/bot<digits>:<secret>` or `/bot<digits>%3A<secret>` → `/bot<redacted>`.
    static func redactTokenShapes(in text: String) -> String {
        guard text.contains("/bot") else { return text }
        var output = ""
        var rest = Substring(text)
        while let range = rest.range(of: "/bot") {
            output += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            let tokenEnd = rest.firstIndex { !isTokenCharacter($0) } ?? rest.endIndex
            let candidate = rest[..<tokenEnd]
            if looksLikeToken(candidate) {
                output += "<redacted>"
                rest = rest[tokenEnd...]
            }
        }
        return output + rest
    }

    private static func isTokenCharacter(_ character: Character) -> Bool {
        character.isASCII
            && (character.isLetter || character.isNumber || character == ":" || character == "_"
                || character == "-" || character == "%")
    }

    private static func looksLikeToken(_ candidate: Substring) -> Bool {
        candidate.contains(":") || candidate.contains("%3A") || candidate.contains("%3a")
    }
}
