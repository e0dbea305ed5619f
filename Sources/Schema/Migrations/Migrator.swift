import Logging

/// Applies `sql/migrations/NNNN_name.sql` in order, each in its own transaction, and
/// records it in `schema_migrations`. A session-level advisory lock (keyed by schema)
/// serializes stages that start together; re-running is a no-op. A migration whose text
/// changed after it was applied is reported as drift instead of being skipped silently.
public struct Migrator: Sendable {
    public let migrations: [EmbeddedMigration]

    public init(migrations: [EmbeddedMigration] = EmbeddedSQL.migrations) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Returns the versions it applied (empty when the schema was up to date).
    @discardableResult
    public func migrate(_ connection: PostgresConnection) async throws -> [Int] {
        let schema = connection.configuration.schema
        try await connection.query(EmbeddedSQL.Queries.lockMigrations, schema)
        do {
            let applied = try await apply(connection)
            try await connection.query(EmbeddedSQL.Queries.unlockMigrations, schema)
            return applied
        } catch {
            _ = try? await connection.query(EmbeddedSQL.Queries.unlockMigrations, schema)
            throw error
        }
    }

    private func apply(_ connection: PostgresConnection) async throws -> [Int] {
        try await connection.query(EmbeddedSQL.Queries.createMigrationsTable)
        var recorded: [Int: String] = [:]
        for row in try await connection.query(EmbeddedSQL.Queries.appliedMigrations) {
            recorded[try row.decode("version")] = try row.decode("checksum", as: String.self)
        }
        var applied: [Int] = []
        for migration in migrations {
            let checksum = Self.checksum(migration.sql)
            if let existing = recorded[migration.version] {
                guard existing == checksum else {
                    throw PostgresError(.migrationDrift, message:
                        "migration \(migration.version)_\(migration.name) changed after it was applied; add a new migration instead")
                }
                continue
            }
            try await connection.transaction { tx in
                try await tx.executeScript(migration.sql, name: "migration \(migration.version)_\(migration.name)")
                try await tx.query(EmbeddedSQL.Queries.recordMigration, migration.version, migration.name, checksum)
            }
            connection.logger.info("applied migration", metadata: ["lienzo_migration": "\(migration.version)_\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }

    /// FNV-1a over the file's bytes: enough to notice an edited migration.
    static func checksum(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
