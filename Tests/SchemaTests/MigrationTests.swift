import Schema
import Testing
import TestSupport

@Suite struct MigrationTests {
    @Test func rerunningMigrationsIsANoOp() async throws {
        let db = try await TestDatabase.make()
        let again = try await Migrator().migrate(db.connection)
        #expect(again.isEmpty)
        let versions = try await db.connection.query(EmbeddedSQL.Queries.appliedMigrations).map { try $0.decode("version", as: Int.self) }
        #expect(versions == EmbeddedSQL.migrations.map(\.version))
    }

    @Test func threeStagesMigratingTogetherApplyEachMigrationOnce() async throws {
        var base = try TestDatabase.baseConfiguration()
        base.schema = "race_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let configuration = base
        let connections = try await withThrowingTaskGroup(of: PostgresConnection.self) { group in
            for _ in 0..<3 { group.addTask { try await PostgresConnection.connect(configuration) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for connection in connections { group.addTask { try await Migrator().migrate(connection) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.flatMap { $0 }.sorted() == EmbeddedSQL.migrations.map(\.version).sorted())
        #expect(applied.filter { !$0.isEmpty }.count == 1)
    }

    @Test func anEditedMigrationIsReportedAsDrift() async throws {
        let db = try await TestDatabase.make()
        var edited = EmbeddedSQL.migrations
        let first = edited[0]
        edited[0] = EmbeddedMigration(version: first.version, name: first.name, sql: first.sql + "\n-- edited")
        await #expect(throws: PostgresError.self) { try await Migrator(migrations: edited).migrate(db.connection) }
        do {
            try await Migrator(migrations: edited).migrate(db.connection)
        } catch let error as PostgresError {
            #expect(error.code == .migrationDrift)
        }
    }

    @Test func everyAuditQueryRuns() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 1))
        let seedRule = try #require(try await db.queue.promptRules().first)
        try await db.queue.recordRefusedPrompt(userID: 1, chatID: 1, rule: seedRule)
        #expect(!EmbeddedSQL.audits.isEmpty)
        for audit in EmbeddedSQL.audits {
            let rows = try await db.connection.query(SQLText(name: "audit_" + audit.name, text: audit.sql))
            #expect(!rows.isEmpty, "audit \(audit.name) returned no rows with one job queued and one prompt refused")
        }
    }
}
