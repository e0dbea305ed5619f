import Logging
import Schema
import ServiceLifecycle

/// A stage with no work loop yet: it listens on its queue channels and logs wake-ups
/// until SIGTERM/SIGINT, which proves the connection, the migrations and the
/// notification path without doing any work.
public struct WaitForShutdownService: Service {
    let connection: PostgresConnection
    let channels: [String]
    let logger: Logger

    public init(connection: PostgresConnection, channels: [String], logger: Logger) {
        self.connection = connection
        self.channels = channels
        self.logger = logger
    }

    public func run() async throws {
        let waiter = try await QueueWaiter.listening(on: connection, to: channels)
        logger.info("waiting", metadata: ["lienzo_channels": "\(channels)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            switch try await waiter.wait(stop: { Task.isShuttingDownGracefully }) {
            case .notified(let notifications):
                logger.debug("notified", metadata: ["lienzo_channels": "\(notifications.map(\.channel))"])
            case .pollInterval:
                break
            case .connectionLost:
                logger.warning("database connection lost; reconnecting")
            }
        }
        logger.info("stopped")
    }
}
