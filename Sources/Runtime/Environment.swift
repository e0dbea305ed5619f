import Foundation

/// Typed reading of environment variables, with errors that name the variable.
public struct Environment: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    public func string(_ name: String, default fallback: String) -> String {
        self[name] ?? fallback
    }

    public func secret(_ name: String) -> Secret? {
        self[name].map(Secret.init)
    }

    public func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>? = nil) throws -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text) else {
            throw ConfigurationError("\(name) must be an integer, got '\(text)'")
        }
        if let range, !range.contains(value) {
            throw ConfigurationError("\(name) must be within \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    public func seconds(_ name: String, default fallback: Double) throws -> Duration {
        guard let text = self[name] else { return .milliseconds(Int64(fallback * 1000)) }
        guard let value = Double(text), value >= 0, value.isFinite else {
            throw ConfigurationError("\(name) must be a non-negative number of seconds, got '\(text)'")
        }
        return .milliseconds(Int64(value * 1000))
    }

    /// `seconds` for the pause of a loop that runs until shutdown (a rescuer, a purge, a
    /// gauge refresh): 0, or anything under a millisecond, would spin a core.
    public func interval(_ name: String, default fallback: Double) throws -> Duration {
        let value = try seconds(name, default: fallback)
        guard value >= .milliseconds(1) else {
            throw ConfigurationError("\(name) is the pause between rounds of a loop and must be at least 0.001 seconds, got '\(self[name] ?? "")'")
        }
        return value
    }

    public func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = self[name]?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, got '\(text)'")
        }
    }
}

/// A bad or missing setting; its message names the setting and is safe to print.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
