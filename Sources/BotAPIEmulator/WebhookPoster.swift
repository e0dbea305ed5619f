import EmbeddedHTTP
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Telegram's side of a webhook: one POST of an update's JSON, as Telegram makes it
/// (`Content-Type: application/json`, the secret header), over plain http to an IPv4
/// address or localhost. Answers the status, or 0 when no answer came.
enum WebhookPoster {
    /// `method` other than POST only for tests of what a webhook refuses.
    static func post(
        url: String, body: Data, secretToken: String?, timeout: Duration, method: String = "POST"
    ) -> (status: Int, error: String?) {
        guard let target = Target(url) else { return (0, "the emulator delivers to http://HOST:PORT/PATH only") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (0, "socket() failed") }
        defer { close(fd) }
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = target.port.bigEndian
        guard inet_pton(AF_INET, target.host, &address.sin_addr) == 1 else { return (0, "bad host") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (0, "Connection refused") }
        var head = "\(method) \(target.path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        if let secretToken { head += "X-Telegram-Bot-Api-Secret-Token: \(secretToken)\r\n" }
        writeAll(fd, Data((head + "\r\n").utf8) + body)
        var reader = SocketReader(fd: fd)
        guard let statusLine = try? reader.readLine() else { return (0, "Connection closed without an answer") }
        let words = statusLine.split(separator: " ")
        guard words.count >= 2, let status = Int(words[1]) else { return (0, "Wrong response from the webhook: \(statusLine)") }
        return (status, status == 200 ? nil : "Wrong response from the webhook: \(statusLine)")
    }

    struct Target {
        var host: String
        var port: UInt16
        var path: String

        init?(_ url: String) {
            guard url.hasPrefix("http://") else { return nil }
            let rest = url.dropFirst("http://".count)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<slash].split(separator: ":", maxSplits: 1)
            guard let host = authority.first else { return nil }
            self.host = host == "localhost" ? "127.0.0.1" : String(host)
            guard let port = authority.count == 2 ? UInt16(authority[1]) : 80 else { return nil }
            self.port = port
            path = slash == rest.endIndex ? "/" : String(rest[slash...])
        }
    }
}
