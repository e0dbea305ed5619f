import Foundation

/// Any JSON value. The emulator builds Bot API replies from these by hand, with the Bot
/// API's field names spelled out, rather than sharing the client's Codable models.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON text; nil when it is not JSON.
    public static func parse(_ data: Data) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    public static func parse(_ text: String) -> JSONValue? { parse(Data(text.utf8)) }

    public func serialized() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("null".utf8)
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Integers, and integer text as form bodies carry them.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): value
        case .string(let text): Int64(text.trimmingCharacters(in: .whitespaces))
        case .double(let value) where value == value.rounded(): Int64(exactly: value)
        default: nil
        }
    }

    public var intValue: Int? { int64Value.flatMap { Int(exactly: $0) } }

    /// Booleans, and "true"/"false" text as form bodies carry them.
    public var boolValue: Bool? {
        switch self {
        case .bool(let value): value
        case .string("true"), .string("True"), .string("1"): true
        case .string("false"), .string("False"), .string("0"): false
        default: nil
        }
    }

    /// An object or array, also when a form body carries it as JSON text (Telegram's rule
    /// for reply_markup, reply_parameters, allowed_updates, commands).
    public var structured: JSONValue? {
        switch self {
        case .object, .array: self
        case .string(let text): JSONValue.parse(text).flatMap { $0.isStructured ? $0 : nil }
        default: nil
        }
    }

    var isStructured: Bool {
        switch self {
        case .object, .array: true
        default: false
        }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let values) = structured { return values }
        return nil
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}
