/// One named statement from `sql/queries/*.sql` (`-- name: ClaimRenderBatch`), embedded at
/// build time by the EmbedSQL plugin. The name doubles as the prepared-statement name.
public struct SQLText: Sendable, Hashable {
    public let name: String
    public let text: String
}

/// One forward-only migration from `sql/migrations/NNNN_name.sql`.
public struct EmbeddedMigration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}
