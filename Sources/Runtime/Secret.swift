/// A value that must never be printed: its `description` is `<redacted>` so that string
/// interpolation, `dump` and log metadata cannot leak it. Read it with `revealed`.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let revealed: String

    public init(_ value: String) { self.revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }

    /// Whether `candidate` is the secret, in time that depends only on their lengths (not
    /// on where they first differ), so a caller guessing byte by byte learns nothing.
    public func matches(_ candidate: String) -> Bool {
        let expected = Array(revealed.utf8)
        let given = Array(candidate.utf8)
        var difference = UInt8(truncatingIfNeeded: expected.count ^ given.count)
        difference |= expected.count == given.count ? 0 : 1
        for index in 0..<max(expected.count, given.count) {
            let left = index < expected.count ? expected[index] : 0
            let right = index < given.count ? given[index] : 0
            difference |= left ^ right
        }
        return difference == 0 && !expected.isEmpty
    }

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
