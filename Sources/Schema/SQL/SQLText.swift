/// One named statement from `sql/queries/*.sql` (`-- name: ClaimRenderBatch`), embedded at
/// build time by the EmbedSQL plugin. The name doubles as the prepared-statement name.
public struct SQLText: Sendable, Hashable {
    public let name: String
    public let text: String

    /// Statements come from sql/queries; tests may write their own inspection queries.
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// One forward-only migration from `sql/migrations/NNNN_name.sql`.
public struct EmbeddedMigration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
