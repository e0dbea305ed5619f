import BotAPIEmulator
import TestSupport

/// What the tests that crash PostgreSQL under the stages stand on: a private server of
/// their own (durable: a commit acknowledged before the crash must survive it, or the
/// restart itself would lose work), a migrated database without quotas, and a started
/// Bot API emulator. Callers stop the emulator when done.
struct RestartableBackend {
    let server: PrivatePostgresServer
    let database: TestDatabase
    let emulator: BotAPIEmulator

    static func start() async throws -> RestartableBackend {
        let server = try PrivatePostgresServer(durable: true)
        let database = try await TestDatabase.make(connectionString: server.conninfo)
        try await database.queue.setUnlimitedQuotas()
        let emulator = BotAPIEmulator(token: StageHarness.token)
        try emulator.start()
        return RestartableBackend(server: server, database: database, emulator: emulator)
    }
}
