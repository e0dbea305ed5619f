import Foundation
import Logging
import Runtime
import Schema

/// A fresh, migrated schema of its own for one test, in the PostgreSQL server that
/// scripts/test.sh started (DATABASE_URL). Tests run in parallel without seeing each
/// other's rows or notifications.
public struct TestDatabase: Sendable {
    public let configuration: PostgresConfiguration
    public let connection: PostgresConnection
    public var queue: JobQueue { JobQueue(connection) }

    /// - Parameter connectionString: another server than scripts/test.sh's (a `PrivatePostgresServer`).
    public static func make(connectionString: String? = nil, function: String = #function) async throws -> TestDatabase {
        var configuration = try connectionString.map(configuration(connectionString:)) ?? baseConfiguration()
        configuration.schema = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try await PostgresConnection.connect(configuration, logger: testLogger)
        try await Migrator().migrate(connection)
        return TestDatabase(configuration: configuration, connection: connection)
    }

    /// Another connection to the same schema (claimers racing each other).
    public func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(configuration, logger: Self.testLogger)
    }

    /// Runs a test's own statement (tests may hold SQL: setting a row's timestamps back,
    /// inspecting columns no query reads) on the test's connection.
    @discardableResult
    public func sql(_ text: String, _ binds: any PostgresEncodable...) async throws -> [PostgresRow] {
        try await connection.query(SQLText(name: "test_\(abs(text.hashValue))", text: text), binds: binds)
    }

    public static func baseConfiguration() throws -> PostgresConfiguration {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            throw ConfigurationError("DATABASE_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
        }
        return configuration(connectionString: url)
    }

    static func configuration(connectionString: String) -> PostgresConfiguration {
        var configuration = PostgresConfiguration(connectionString: connectionString)
        configuration.reconnectTimeout = .seconds(30)
        configuration.maxBackoff = .milliseconds(500)
        return configuration
    }

    public static let testLogger: Logger = {
        var logger = Logger(label: "lienzo.test")
        logger.logLevel = .warning
        return logger
    }()
}
