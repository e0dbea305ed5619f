import Foundation
import Logging
import Runtime
import ServiceLifecycle

/// A minimal HTTP/1.1 endpoint for Prometheus: `GET /metrics` answers with whatever
/// `body()` renders (the Prometheus registry's text format); anything else is a 404.
/// One connection at a time on its own thread — a scraper polls every few seconds.
///
/// Scrape it with `scrape_configs: [{job_name: lienzo, static_configs: [{targets: ['127.0.0.1:9464']}]}]`.
public struct MetricsEndpoint: Service {
    let host: String
    let port: UInt16
    let body: @Sendable () -> String
    let logger: Logger

    public init(host: String = "127.0.0.1", port: UInt16, logger: Logger, body: @escaping @Sendable () -> String) {
        self.host = host
        self.port = port
        self.body = body
        self.logger = logger
    }

    public func run() async throws {
        let socket = try Self.listen(host: host, port: port)
        logger.info("metrics at http://\(host):\(port)/metrics")
        let acceptor = BlockingExecutor(name: "metrics")
        let body = self.body
        await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                _ = try? await acceptor.run { Self.serveOne(socket, timeoutMilliseconds: 500, body: body) }
            }
        } onGracefulShutdown: {}
        close(socket)
    }

    static func listen(host: String, port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ConfigurationError("metrics endpoint: cannot create a socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw ConfigurationError("metrics endpoint: '\(host)' is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 8) == 0 else {
            close(fd)
            throw ConfigurationError("metrics endpoint: cannot listen on \(host):\(port) (in use?)")
        }
        return fd
    }

    /// Waits up to the timeout for one connection and answers it.
    static func serveOne(_ listener: Int32, timeoutMilliseconds: Int32, body: () -> String) {
        var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return }
        let client = accept(listener, nil, nil)
        guard client >= 0 else { return }
        defer { close(client) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(client, &buffer, buffer.count, 0)
        guard count > 0 else { return }
        let requestLine = String(decoding: buffer[0..<count], as: UTF8.self).prefix { $0 != "\r" && $0 != "\n" }
        let isMetrics = requestLine.hasPrefix("GET /metrics ") || requestLine == "GET /metrics"
        let content = isMetrics ? body() : "not found; try /metrics\n"
        let status = isMetrics ? "200 OK" : "404 Not Found"
        let response = "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(content.utf8.count)\r\nConnection: close\r\n\r\n" + content
        _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
