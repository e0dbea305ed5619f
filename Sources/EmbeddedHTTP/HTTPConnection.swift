import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Serves one keep-alive connection: parse a request, hand it to the handler, write the
/// reply, repeat until the client closes or a fault drops the connection.
struct HTTPConnection {
    let fd: Int32
    /// The `Server` header.
    let server: String
    let maxBodyBytes: Int
    let observer: (@Sendable (Int) -> Void)?
    let handler: @Sendable (HTTPServerRequest) -> HTTPServerReply

    func run() {
        var reader = SocketReader(fd: fd)
        while true {
            let request: HTTPServerRequest
            do {
                guard let parsed = try Self.readRequest(&reader, fd: fd, maxBodyBytes: maxBodyBytes) else { return }
                request = parsed
            } catch .tooLarge {
                write(.text(413, "Payload Too Large"), keepAlive: false)
                discardInput()
                return
            } catch .closed {
                return
            } catch {
                write(.text(400, "Bad Request"), keepAlive: false)
                return
            }
            let reply = handler(request)
            guard case .respond = reply else { return }
            write(reply, keepAlive: request.keepAlive)
            if !request.keepAlive { return }
        }
    }

    /// After refusing a body unread: reads and drops what the client still sends (for a
    /// second at most), so that closing does not reset the connection before the client
    /// has read the refusal.
    private func discardInput() {
        shutdown(fd, Int32(SHUT_WR))
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var total = 0
        while total < maxBodyBytes + (16 << 20) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            total += count
        }
    }

    private func write(_ reply: HTTPServerReply, keepAlive: Bool) {
        writeAll(fd, Self.encode(reply, keepAlive: keepAlive, server: server))
        if case .respond(let status, _, _) = reply { observer?(status) }
    }

    static func readRequest(
        _ reader: inout SocketReader, fd: Int32, maxBodyBytes: Int
    ) throws(SocketReader.ReadError) -> HTTPServerRequest? {
        guard let requestLine = try reader.readLine() else { return nil }
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3 else { throw .malformed("request line") }
        var headers: [String: String] = [:]
        while let line = try reader.readLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed("header") }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue",
           headers["content-length"].flatMap({ Int($0) }).map({ $0 <= maxBodyBytes }) ?? true {
            writeAll(fd, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        let body: Data
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked(&reader, maxBodyBytes: maxBodyBytes)
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            guard length >= 0 else { throw .malformed("content-length") }
            guard length <= maxBodyBytes else { throw .tooLarge }
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

    private static func readChunked(_ reader: inout SocketReader, maxBodyBytes: Int) throws(SocketReader.ReadError) -> Data {
        var body = Data()
        while true {
            guard let sizeLine = try reader.readLine() else { throw .closed }
            let hex = sizeLine.split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(hex.trimmingCharacters(in: .whitespaces), radix: 16) else { throw .malformed("chunk") }
            if size == 0 {
                while let trailer = try reader.readLine(), !trailer.isEmpty {}
                return body
            }
            guard size <= maxBodyBytes - body.count else { throw .tooLarge }
            body.append(try reader.readBytes(size))
            _ = try reader.readLine()
        }
    }

    /// The bytes of a `.respond` reply (nothing for `.drop`).
    static func encode(_ reply: HTTPServerReply, keepAlive: Bool, server: String) -> Data {
        guard case .respond(let status, let body, let contentType) = reply else { return Data() }
        var head = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        head += "Server: \(server)\r\n"
        head += "Content-Type: \(contentType)\r\n"
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
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
