import Bot
import Schema
import Telegram

/// Operators in the chat (`AccessPolicy`): their commands, each carried out in the
/// update's transaction together with its `admin_actions` row, and the allowlist of a
/// private deployment.
extension UpdateHandler {
    func handleAdmin(_ command: AdminCommand, in message: Message, origin: TelegramOrigin, connection: PostgresConnection) async throws -> Handled {
        func reply(_ botMessage: BotMessage) async throws {
            try await insertReply(botMessage, to: origin, connection: connection)
        }
        func audit(target: Int64?, _ args: [String: String] = [:]) async throws {
            try await connection.recordAdminAction(
                admin: origin.userID, action: command.action, target: target, args: args, chatID: origin.chatID,
                updateID: origin.updateID)
        }
        switch command {
        case .stats:
            let stats = try await connection.adminStats()
            try await audit(target: nil)
            try await reply(.stats(stats))
            return Handled(outcome: "admin:stats")
        case .ban(let target, let reason):
            guard let userID = Self.userID(of: target, in: message) else { return try await usage(.ban, reply: reply) }
            let changed = try await connection.banUser(userID, reason: reason)
            // What they queued before the ban would still be drawn and spend the Renderer's time.
            let cancelled = try await JobQueue(connection).cancel(userID: userID).count
            var args = ["cancelled": String(cancelled)]
            if let reason { args["reason"] = reason }
            try await audit(target: userID, args)
            try await reply(.adminDone(AdminLine(action: .ban, userID: userID, changed: changed, cancelled: cancelled)))
            return Handled(outcome: "admin:ban")
        case .unban(let target):
            guard let userID = Self.userID(of: target, in: message) else { return try await usage(.unban, reply: reply) }
            let changed = try await connection.unbanUser(userID)
            try await audit(target: userID)
            try await reply(.adminDone(AdminLine(action: .unban, userID: userID, changed: changed)))
            return Handled(outcome: "admin:unban")
        case .quota(let target, let dailyLimit, let maxQueued):
            guard let userID = Self.userID(of: target, in: message) else { return try await usage(.quota, reply: reply) }
            try await connection.setUserLimits(userID, dailyLimit: dailyLimit, maxQueued: maxQueued)
            try await audit(target: userID, ["daily_limit": dailyLimit.map(String.init) ?? "default",
                                             "max_queued": maxQueued.map(String.init) ?? "default"])
            try await reply(.adminDone(AdminLine(action: .quota, userID: userID, dailyLimit: dailyLimit, maxQueued: maxQueued)))
            return Handled(outcome: "admin:quota")
        }
    }

    private func usage(_ usage: AdminUsage, reply: (BotMessage) async throws -> Void) async throws -> Handled {
        try await reply(.adminUsage(usage))
        return Handled(outcome: "admin_usage:" + usage.rawValue)
    }

    /// The user a command names: its id, or the author of the message it replies to (nil
    /// when it replies to nothing, or to a bot).
    static func userID(of target: AdminTarget, in message: Message) -> Int64? {
        switch target {
        case .user(let id): return id
        case .repliedTo:
            guard let author = message.replyToMessage?.from, !author.isBot else { return nil }
            return author.id
        }
    }

    /// False when LIENZO_ACCESS=allowlist and neither `userID` nor `chatID` is listed. The
    /// admins are always served.
    func isServed(userID: Int64, chatID: Int64, connection: PostgresConnection) async throws -> Bool {
        guard access.mode == .allowlist, !access.isAdmin(userID) else { return true }
        return try await connection.isAllowed(userID: userID, chatID: chatID)
    }
}
