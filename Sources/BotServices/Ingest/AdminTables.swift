import Bot
import Foundation
import Schema

/// The queries of sql/queries/admin.sql, typed. Each runs on the connection it is given,
/// so it joins the update's transaction.
extension PostgresConnection {
    func adminStats() async throws -> StatsLine {
        guard let row = try await query(EmbeddedSQL.Queries.adminStats).first else {
            throw PostgresError(.decoding, message: "stats query returned no row")
        }
        return StatsLine(
            queued: try row.decode("queued"), rendering: try row.decode("rendering"), rendered: try row.decode("rendered"),
            delivering: try row.decode("delivering"), oldestQueuedSeconds: try row.decode("oldest_queued_seconds"),
            deliveredLastHour: try row.decode("delivered_last_hour"), deliveredLastDay: try row.decode("delivered_last_day"),
            usersToday: try row.decode("users_today"), failedToday: try row.decode("failed_today"))
    }

    /// Bans `userID`; false when they were banned already.
    func banUser(_ userID: Int64, reason: String?) async throws -> Bool {
        let wasBanned: Bool = try await query(EmbeddedSQL.Queries.banUser, userID, reason).first?.decode("was_banned") ?? false
        return !wasBanned
    }

    /// Lifts the ban of `userID`; false when there was none.
    func unbanUser(_ userID: Int64) async throws -> Bool {
        try await query(EmbeddedSQL.Queries.unbanUser, userID).first?.decode("was_banned") ?? false
    }

    func setUserLimits(_ userID: Int64, dailyLimit: Int?, maxQueued: Int?) async throws {
        try await query(EmbeddedSQL.Queries.setUserLimits, userID, dailyLimit, maxQueued)
    }

    /// One row of `admin_actions`; `args` is a JSON object of what the command set.
    func recordAdminAction(
        admin: Int64, action: String, target: Int64?, args: [String: String], chatID: Int64, updateID: Int64
    ) async throws {
        let json = (try? JSONEncoder().encode(args)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        try await query(EmbeddedSQL.Queries.recordAdminAction, admin, action, target, json, chatID, updateID)
    }

    /// LIENZO_ACCESS=allowlist: whether `userID` (anywhere) or `chatID` (anyone in it) is listed.
    func isAllowed(userID: Int64, chatID: Int64) async throws -> Bool {
        try await query(EmbeddedSQL.Queries.isAllowed, userID, chatID).first?.decode("allowed") ?? false
    }
}
