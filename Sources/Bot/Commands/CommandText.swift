/// A `/command@bot arguments` at the start of a message, as Telegram clients send it.
public struct CommandText: Sendable, Equatable {
    /// Lowercased, without the slash: `generate`.
    public var name: String
    /// The bot named after `@`, lowercased; nil for a bare command.
    public var addressee: String?
    /// Everything after the command word, newlines kept.
    public var arguments: String

    /// Nil when `text` does not start with a command. Telegram's command alphabet is
    /// letters, digits and underscores, at most 32 characters.
    public init?(_ text: String) {
        guard text.hasPrefix("/") else { return nil }
        let afterSlash = text.dropFirst()
        let end = afterSlash.firstIndex { $0.isWhitespace } ?? afterSlash.endIndex
        let word = afterSlash[..<end]
        let parts = word.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard let command = parts.first, !command.isEmpty, command.count <= 32,
              command.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else { return nil }
        name = command.lowercased()
        addressee = parts.count == 2 ? parts[1].lowercased() : nil
        var rest = afterSlash[end...]
        // Drop the separator after the command (a space or the newline before an A1111 block).
        if let first = rest.first, first.isWhitespace { rest = rest.dropFirst() }
        arguments = String(rest)
    }
}
