import Logging
import Runtime
import Schema

/// What every stage starts with: its logger, its database settings and a migrated
/// connection. Stages start in any order; whichever comes first applies the migrations
/// (the others wait on the advisory lock and find nothing to do).
public struct StageContext: Sendable {
    public let stage: String
    public let logger: Logger
    public let environment: Environment
    public let database: PostgresConfiguration

    public init(stage: String, environment: Environment = Environment()) throws {
        LoggingSetup.bootstrapOnce()
        var logger = Logger(label: "lienzo.\(stage.lowercased())")
        logger[metadataKey: LogKey.stage] = "\(stage)"
        self.stage = stage
        self.logger = logger
        self.environment = environment
        var database = try PostgresConfiguration(environment: environment)
        database.applicationName = "lienzo-\(stage.lowercased())"
        self.database = database
    }

    /// Connects, waiting with backoff while PostgreSQL is not up yet.
    public func connect() async throws -> PostgresConnection {
        logger.info("connecting", metadata: ["lienzo_database": "\(database)"])
        return try await PostgresConnection.connect(database, logger: logger)
    }

    /// Connects and migrates: the stage's first connection; further ones only `connect()`.
    public func connectAndMigrate() async throws -> PostgresConnection {
        let connection = try await connect()
        let applied = try await Migrator().migrate(connection)
        logger.info("schema ready", metadata: ["lienzo_migrations_applied": "\(applied)"])
        return connection
    }
}
