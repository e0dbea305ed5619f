import BotAPIEmulator
import Foundation
import TestSupport

extension StageHarness {
    /// The environment for stage executables started as processes against `emulator`
    /// and the test's schema, with fast timings; `overrides` wins.
    static func processEnvironment(
        database: TestDatabase, emulator: BotAPIEmulator, model: String, overrides: [String: String] = [:]
    ) -> [String: String] {
        let base = ProcessInfo.processInfo.environment
        return [
            "PATH": base["PATH"] ?? "/usr/bin:/bin",
            "DATABASE_URL": database.configuration.connectionString.revealed, "LIENZO_DB_SCHEMA": database.configuration.schema,
            "TELEGRAM_BOT_TOKEN": token.revealed, "TELEGRAM_API_URL": emulator.baseURL,
            "LIENZO_MODEL": model, "LOG_LEVEL": "debug",
            "INGEST_POLL_TIMEOUT": "1", "INGEST_MAX_BACKOFF": "0.2",
            "DELIVER_LEASE_SECONDS": "2", "DELIVER_RESCUE_INTERVAL": "0.5", "DELIVER_POLL_INTERVAL": "0.2",
            "DELIVER_CHAT_INTERVAL": "0", "DELIVER_GROUP_INTERVAL": "0", "DELIVER_GLOBAL_RATE": "10000",
            "DELIVER_STATUS_INTERVAL": "0.1", "DELIVER_RETRY_BASE": "0.1", "DELIVER_CONNECTIONS": "2",
        ].merging(overrides) { $1 }
    }
}
