/// One entry of /styles: a LoRA's name and the first line of its description, cut short
/// so that a long sidecar file bloats neither the outbox row nor the message.
public struct StyleLine: Codable, Sendable, Equatable {
    public var name: String
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        let firstLine = description.split(whereSeparator: \.isNewline).first ?? ""
        self.description = firstLine.trimmingWhitespace().echoed(limit: 100)
    }

    /// "• name — description", or "• name" when there is no description.
    public var bullet: String {
        description.isEmpty ? "• \(name)" : "• \(name) — \(description)"
    }

    /// The first of `styles` whose bullets fit in `budget` UTF-16 units: Telegram refuses
    /// a message over 4096, and the header and the usage lines need the rest.
    static func fitting(_ styles: [StyleLine], budget: Int = 3300) -> [StyleLine] {
        var used = 0
        return Array(styles.prefix { style in
            used += style.bullet.utf16.count + 1
            return used <= budget
        })
    }
}
