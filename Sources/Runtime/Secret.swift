/// A value that must never be printed: its `description` is `<redacted>` so that string
/// interpolation, `dump` and log metadata cannot leak it. Read it with `revealed`.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let revealed: String

    public init(_ value: String) { self.revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// Replaces every occurrence of the secret in `text`, for error paths that echo
    /// text which may contain it (a URL, a library's error string).
    public func redact(in text: String) -> String {
        guard !revealed.isEmpty else { return text }
        return text.replacingOccurrences(of: revealed, with: "<redacted>")
    }
}

extension Secret: CustomReflectable {
    /// `dump()` and mirrors read stored properties directly; show none.
    public var customMirror: Mirror { Mirror(self, children: []) }
}
