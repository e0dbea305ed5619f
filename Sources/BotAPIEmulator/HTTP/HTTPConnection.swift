import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Serves one keep-alive connection: parse a request, hand it to the handler, write the
/// reply, repeat until the client closes or a fault drops the connection.
struct HTTPConnection {
    let fd: Int32
    let handler: @Sendable (HTTPServerRequest) -> HTTPServerReply

    func run() {
        var reader = SocketReader(fd: fd)
        while true {
            let request: HTTPServerRequest
            do {
                guard let parsed = try Self.readRequest(&reader, fd: fd) else { return }
                request = parsed
            } catch {
                writeAll(fd, Self.encode(status: 400, body: Data("Bad Request".utf8), keepAlive: false, json: false))
                return
            }
            switch handler(request) {
            case .drop:
                return
            case .respond(let status, let body):
                writeAll(fd, Self.encode(status: status, body: body, keepAlive: request.keepAlive, json: true))
                if !request.keepAlive { return }
            }
        }
    }

    static func readRequest(_ reader: inout SocketReader, fd: Int32) throws(SocketReader.ReadError) -> HTTPServerRequest? {
        guard let requestLine = try reader.readLine() else { return nil }
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3 else { throw .malformed("request line") }
        var headers: [String: String] = [:]
        while let line = try reader.readLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header") }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" {
            writeAll(fd, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        let body: Data
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked(&reader)
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard length >= 0, length <= 64 << 20 else { throw .tooLarge }
            body = try reader.readBytes(length)
        } else {
            body = Data()
        }
        let target = String(parts[1])
        let question = target.firstIndex(of: "?")
        let version = parts[2].uppercased()
        let connection = headers["connection"]?.lowercased()
        let keepAlive = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
        return HTTPServerRequest(
            method: String(parts[0]),
            path: String(target[..<(question ?? target.endIndex)]),
            query: question.map { String(target[target.index(after: $0)...]) },
            headers: headers, body: body, keepAlive: keepAlive
        )
    }

    private static func readChunked(_ reader: inout SocketReader) throws(SocketReader.ReadError) -> Data {
        var body = Data()
        while true {
            guard let sizeLine = try reader.readLine() else { throw .closed }
            let hex = sizeLine.split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16) else { throw .malformed("chunk") }
            if size == 0 {
                while let trailer = try reader.readLine(), !trailer.isEmpty {}
                return body
            }
            body.append(try reader.readBytes(size))
            _ = try reader.readLine()
            guard body.count <= 64 << 20 else { throw .tooLarge }
        }
    }

    static func encode(status: Int, body: Data, keepAlive: Bool, json: Bool) -> Data {
        var head = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        head += "Server: BotAPIEmulator\r\n"
        head += "Content-Type: \(json ? "application/json" : "text/plain")\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n"
        return Data(head.utf8) + body
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
