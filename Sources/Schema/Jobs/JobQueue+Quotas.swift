extension JobQueue {
    /// Changes the defaults every user without an override gets.
    public func setQuotaDefaults(dailyLimit: Int, maxQueued: Int) async throws {
        try await connection.query(EmbeddedSQL.Queries.setQuotaDefaults, dailyLimit, maxQueued)
    }

    /// Per-user overrides; nil falls back to the default.
    public func setUserQuota(userID: Int64, dailyLimit: Int?, maxQueued: Int?, banned: Bool = false) async throws {
        try await connection.query(EmbeddedSQL.Queries.setUserQuota, userID, dailyLimit, maxQueued, banned)
    }
}
