import Foundation

/// multipart/form-data (RFC 7578), enough for what HTTP clients send to the Bot API.
enum MultipartParser {
    struct Part {
        var name: String
        var fileName: String?
        var contentType: String?
        var data: Data
    }

    static func boundary(fromContentType contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            return pair[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    /// nil when the body is not well-formed multipart with this boundary.
    static func parse(_ body: Data, boundary: String) -> [Part]? {
        let delimiter = Data("--\(boundary)".utf8)
        let separator = Data("\r\n\r\n".utf8)
        guard var cursor = body.range(of: delimiter)?.upperBound else { return nil }
        var parts: [Part] = []
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            let rest = body[cursor...]
            if rest.starts(with: Data("--".utf8)) { return parts }
            guard rest.starts(with: Data("\r\n".utf8)) else { return nil }
            let headerStart = cursor + 2
            guard let headerEnd = body.range(of: separator, in: headerStart..<body.endIndex) else { return nil }
            let headerText = String(decoding: body[headerStart..<headerEnd.lowerBound], as: UTF8.self)
            let contentStart = headerEnd.upperBound
            guard let next = body.range(of: Data("\r\n--\(boundary)".utf8), in: contentStart..<body.endIndex) else {
                return nil
            }
            guard var part = parseHeaders(headerText) else { return nil }
            part.data = Data(body[contentStart..<next.lowerBound])
            parts.append(part)
            cursor = next.upperBound
        }
    }

    private static func parseHeaders(_ text: String) -> Part? {
        var name: String?
        var fileName: String?
        var contentType: String?
        for line in text.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let header = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if header == "content-type" {
                contentType = value
            } else if header == "content-disposition" {
                name = dispositionParameter("name", in: value)
                fileName = dispositionParameter("filename", in: value)
            }
        }
        guard let name else { return nil }
        return Part(name: name, fileName: fileName, contentType: contentType, data: Data())
    }

    private static func dispositionParameter(_ key: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var text = pair[1].trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            return text
        }
        return nil
    }
}
