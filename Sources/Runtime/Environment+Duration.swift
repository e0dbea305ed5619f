import Foundation

extension Environment {
    /// A span written as a number with an optional unit: `90` or `90s` (seconds), `15m`,
    /// `24h`, `30d`. For windows of hours and days, where seconds would be unreadable.
    public func duration(_ name: String, default fallback: Duration) throws -> Duration {
        guard let text = self[name] else { return fallback }
        guard let seconds = Self.seconds(inDuration: text) else {
            throw ConfigurationError("\(name) must be a non-negative number with an optional unit s, m, h or d (e.g. 24h, 30d), got '\(text)'")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// The seconds of `90`, `90s`, `15m`, `24h` or `30d`; nil for anything else.
    static func seconds(inDuration text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var number = Substring(trimmed)
        var scale = 1.0
        if let last = trimmed.last, let unit = units[last] {
            number = trimmed.dropLast()
            scale = unit
        }
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        let seconds = value * scale
        // A century is plenty, and keeps the milliseconds within Int64.
        return seconds <= 100 * 365 * 86_400 ? seconds : nil
    }
}
