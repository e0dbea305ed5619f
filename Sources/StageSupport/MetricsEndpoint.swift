import EmbeddedHTTP
import Foundation
import Logging
import Runtime
import ServiceLifecycle

/// Prometheus's endpoint: `GET /metrics` answers with whatever `body()` renders (the
/// Prometheus registry's text format); anything else is a 404. Served by the one HTTP
/// server (`EmbeddedHTTP`) the emulator and Ingest's webhook use.
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
        let server: HTTPServer
        do {
            // A scraper polls every few seconds: a few connections and small requests.
            server = try HTTPServer(
                host: host, port: port, name: "metrics",
                limits: .init(maxBodyBytes: 4096, maxConnections: 8, idleTimeout: .seconds(10)), handler: Self.handler(body))
        } catch {
            throw ConfigurationError("metrics endpoint: \(error)")
        }
        logger.info("metrics at http://\(host):\(server.port)/metrics")
        // Returns at graceful shutdown, or throws when cancelled: either way, stop serving.
        try? await gracefulShutdown()
        server.stop()
    }

    static func handler(_ body: @escaping @Sendable () -> String) -> @Sendable (HTTPServerRequest) -> HTTPServerReply {
        { request in
            guard request.method == "GET", request.path == "/metrics" else { return .text(404, "not found; try /metrics") }
            return .respond(status: 200, body: Data(body().utf8), contentType: "text/plain; version=0.0.4")
        }
    }
}
