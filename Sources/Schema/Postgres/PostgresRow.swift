import Foundation

/// One result row, in libpq's text format, decoded by column name into Swift types.
public struct PostgresRow: Sendable {
    let columns: ColumnIndex
    let cells: [String?]

    /// Column names → positions, shared by every row of a result.
    final class ColumnIndex: Sendable {
        let names: [String]
        let positions: [String: Int]
        init(names: [String]) {
            self.names = names
            var positions: [String: Int] = [:]
            for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
            self.positions = positions
        }
    }

    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.positions[column] else {
            throw PostgresError(.decoding, message: "no column '\(column)' in row (\(columns.names.joined(separator: ", ")))")
        }
        do {
            return try T.decode(postgresText: cells[index])
        } catch let error as PostgresError {
            throw PostgresError(.decoding, message: "column '\(column)': \(error.message)")
        }
    }
}

/// A Swift type a text-format column can decode into. Non-optional types reject NULL.
public protocol PostgresDecodable {
    static func decode(postgresText: String?) throws -> Self
}

/// Types decoded from a non-NULL text value.
public protocol PostgresTextDecodable: PostgresDecodable {
    init?(postgresText text: String)
}

extension PostgresTextDecodable {
    public static func decode(postgresText: String?) throws -> Self {
        guard let text = postgresText else {
            throw PostgresError(.decoding, message: "unexpected NULL for \(Self.self)")
        }
        guard let value = Self(postgresText: text) else {
            throw PostgresError(.decoding, message: "cannot read '\(text.prefix(40))' as \(Self.self)")
        }
        return value
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText: String?) throws -> Wrapped? {
        guard let postgresText else { return nil }
        return try Wrapped.decode(postgresText: postgresText)
    }
}

extension String: PostgresTextDecodable {
    public init?(postgresText text: String) { self = text }
}
extension Int: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}
extension Int64: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}
extension Int32: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}
extension Double: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}
extension Float: PostgresTextDecodable {
    public init?(postgresText text: String) { self.init(text) }
}
extension Bool: PostgresTextDecodable {
    public init?(postgresText text: String) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Data: PostgresTextDecodable {
    /// bytea in the server's default hex output: `\x89504e47…`.
    public init?(postgresText text: String) {
        let hex = text.utf8
        guard hex.count >= 2, hex.count % 2 == 0, text.hasPrefix("\\x") else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(hex.count / 2 - 1)
        var high: UInt8?
        for byte in hex.dropFirst(2) {
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        self = Data(bytes)
    }
}

extension Date: PostgresTextDecodable {
    /// timestamptz as the server prints it in UTC (the session sets TimeZone=UTC):
    /// `2026-11-25 18:55:12.123456+00`.
    public init?(postgresText text: String) {
        var fields = text.split(whereSeparator: { "-: +".contains($0) })
        guard fields.count == 7, fields[6] == "00" else { return nil }
        fields.removeLast()
        guard let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
              let hour = Int(fields[3]), let minute = Int(fields[4]), let second = Double(fields[5])
        else { return nil }
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        guard let whole = calendar.date(from: components) else { return nil }
        self = whole.addingTimeInterval(second)
    }
}
