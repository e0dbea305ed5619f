import Foundation

/// One statement parameter: sent as text, except bytes, which go in binary so a PNG is
/// not hex-encoded on the way in.
public enum PostgresBind: Sendable, Equatable {
    case null
    case text(String)
    case binary([UInt8])
}

/// A Swift value that can be a statement parameter.
public protocol PostgresEncodable: Sendable {
    var postgresBind: PostgresBind { get }
}

extension String: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(self) }
}
extension Int: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}
extension Int64: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}
extension Int32: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}
extension Double: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}
extension Float: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(String(self)) }
}
extension Bool: PostgresEncodable {
    public var postgresBind: PostgresBind { .text(self ? "true" : "false") }
}
extension Data: PostgresEncodable {
    public var postgresBind: PostgresBind { .binary([UInt8](self)) }
}
/// Integers that can travel in an array parameter.
public protocol PostgresArrayElement: BinaryInteger, Sendable {}
extension Int: PostgresArrayElement {}
extension Int32: PostgresArrayElement {}
extension Int64: PostgresArrayElement {}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// An integer array literal, e.g. `{1,2,3}`, for `$n::bigint[]`.
    public var postgresBind: PostgresBind { .text("{" + map { String($0) }.joined(separator: ",") + "}") }
}
extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresBind: PostgresBind { self?.postgresBind ?? .null }
}

/// A one-dimensional array parameter of any element type, as a text array literal
/// (`{"a","b\"c",NULL}`): every element is quoted, so commas, braces, quotes and
/// backslashes in user text travel intact. Cast it in SQL, e.g. `$1::text[]`.
public struct PostgresTextArray: PostgresEncodable {
    public var elements: [String?]

    public init(_ elements: [String?]) { self.elements = elements }

    public var postgresBind: PostgresBind {
        var literal = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { literal += "," }
            guard let element else {
                literal += "NULL"
                continue
            }
            literal += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { literal.unicodeScalars.append("\\") }
                literal.unicodeScalars.append(character)
            }
            literal += "\""
        }
        return .text(literal + "}")
    }
}

/// A `bytea[]` parameter in PostgreSQL's binary array format, so several PNGs travel in
/// one statement without hex encoding.
public struct PostgresByteaArray: PostgresEncodable {
    public var elements: [Data]

    public init(_ elements: [Data]) { self.elements = elements }

    public var postgresBind: PostgresBind {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20 + elements.reduce(0) { $0 + 4 + $1.count })
        func append(_ value: Int32) { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        append(1)                       // dimensions
        append(0)                       // no NULLs
        append(17)                      // element type: bytea
        append(Int32(elements.count))   // length of the dimension
        append(1)                       // lower bound
        for element in elements {
            append(Int32(element.count))
            bytes += element
        }
        return .binary(bytes)
    }
}
