import Logging
import Runtime
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
        for channel in channels { try await connection.listen(channel) }
        logger.info("waiting", metadata: ["lienzo_channels": "\(channels)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                for notification in try await connection.waitForNotifications(timeout: .milliseconds(500)) {
                    logger.debug("notified", metadata: ["lienzo_channel": "\(notification.channel)"])
                }
            } catch let error as PostgresError where error.isConnectionProblem {
                logger.warning("database connection lost; reconnecting", metadata: [LogKey.error: "\(error)"])
            }
        }
        logger.info("stopped")
    }
}

extension StageContext {
    /// Runs `services` until SIGTERM or SIGINT; a second signal ends at once.
    public func run(_ services: [any Service]) async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        try await group.run()
    }
}
