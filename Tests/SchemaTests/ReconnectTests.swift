import Foundation
import Schema
import Testing
import TestSupport

@Suite struct ReconnectTests {
    static let terminate = SQLText(name: "TestTerminate", text: """
        SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity
         WHERE application_name = $1 AND pid <> pg_backend_pid()
        """)

    @Test func aListenerSurvivesPgTerminateBackend() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        var configuration = db.configuration
        configuration.applicationName = "listener-" + UUID().uuidString.prefix(8)
        let listener = try await PostgresConnection.connect(configuration)
        try await listener.listen(db.queue.channels.jobsQueued)
        #expect(try await db.connection.query(Self.terminate, configuration.applicationName).first?.decode("n") == 1)

        // The wait that notices the loss throws connectionLost; the next one reconnects and re-listens.
        var received: [PostgresNotification] = []
        var lost = false
        var update: Int64 = 1
        for _ in 0..<50 where received.isEmpty {
            do {
                received = try await listener.waitForNotifications(timeout: .milliseconds(200))
                if received.isEmpty, listener.connectCount > 1 {
                    _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: update, user: update))
                    update += 1
                }
            } catch let error as PostgresError {
                #expect(error.isConnectionProblem)
                lost = true
            }
        }
        #expect(lost)
        #expect(listener.connectCount == 2)
        #expect(received.first?.channel == db.queue.channels.jobsQueued)
    }

    /// A stage that subscribes while PostgreSQL restarts must not die of it: the LISTEN
    /// on a cut connection returns, and the reconnect subscribes.
    @Test func aListenOnACutConnectionSubscribesAtTheReconnect() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        var configuration = db.configuration
        configuration.applicationName = "listener-" + UUID().uuidString.prefix(8)
        let listener = try await PostgresConnection.connect(configuration)
        #expect(try await db.connection.query(Self.terminate, configuration.applicationName).first?.decode("n") == 1)
        try await listener.listen(db.queue.channels.jobsQueued)

        var received: [PostgresNotification] = []
        var update: Int64 = 1
        for _ in 0..<50 where received.isEmpty {
            received = (try? await listener.waitForNotifications(timeout: .milliseconds(200))) ?? []
            if received.isEmpty, listener.connectCount > 1 {
                _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: update, user: update))
                update += 1
            }
        }
        #expect(listener.connectCount == 2)
        #expect(received.first?.channel == db.queue.channels.jobsQueued)
    }

    @Test func aConnectionReconnectsAfterTheServerRestarts() async throws {
        let server = try PrivatePostgresServer()
        var configuration = PostgresConfiguration(connectionString: server.conninfo, schema: "restart")
        configuration.maxBackoff = .milliseconds(200)
        configuration.reconnectTimeout = .seconds(30)
        let connection = try await PostgresConnection.connect(configuration)
        try await Migrator().migrate(connection)
        let queue = JobQueue(connection)
        try await queue.setUnlimitedQuotas()
        _ = try await queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1))

        try server.stop()
        await #expect(throws: PostgresError.self) {
            _ = try await queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 2))
        }
        // Restart in the background while the next call is already waiting to reconnect.
        let restart = Task.detached { try server.start() }
        let outcome = try await queue.enqueue(Fixtures.request(), from: Fixtures.origin(update: 2))
        try await restart.value
        #expect(outcome.jobID != nil)
        #expect(connection.connectCount >= 2)
        #expect(try await Migrator().migrate(connection).isEmpty)
    }
}
