/// An operator's command (`AccessPolicy.admins` only; `MessageRouter` never parses one for
/// anybody else). Parsing is pure; Ingest carries it out in the update's transaction.
public enum AdminCommand: Sendable, Equatable {
    /// /stats: the queue, throughput and today's users and failures.
    case stats
    /// /ban [user id] [reason]: the target cannot make requests; their waiting ones are cancelled.
    case ban(AdminTarget, reason: String?)
    /// /unban [user id]
    case unban(AdminTarget)
    /// /quota <user id> <daily> <waiting>, or a reply with /quota <daily> <waiting>; a nil
    /// limit (`default` typed) falls back to `quota_defaults`.
    case quota(AdminTarget, dailyLimit: Int?, maxQueued: Int?)

    /// The audit table's `action`.
    public var action: String {
        switch self {
        case .stats: "stats"
        case .ban: "ban"
        case .unban: "unban"
        case .quota: "quota"
        }
    }

    /// The largest limit an operator may set (`users.daily_limit` is an integer column).
    public static let maxLimit = 1_000_000
    /// A ban reason is kept in `users.banned_reason`; this much of it.
    public static let maxReasonLength = 200

    /// The admin command `command` spells, `.failure` with the command's name when its
    /// arguments do not fit (the reply is its usage), nil when it is no admin command
    /// (a bare /quota is the operator's own quota, as for everyone).
    public static func parse(_ command: CommandText) -> Result<AdminCommand, AdminUsage>? {
        let words = command.arguments.split(whereSeparator: \.isWhitespace).map(String.init)
        switch command.name {
        case "stats":
            return .success(.stats)
        case "ban":
            let (target, rest) = target(words)
            let reason = rest.joined(separator: " ")
            return .success(.ban(target, reason: reason.isEmpty ? nil : String(reason.prefix(maxReasonLength))))
        case "unban":
            let (target, rest) = target(words)
            return rest.isEmpty ? .success(.unban(target)) : .failure(.unban)
        case "quota" where !words.isEmpty:
            // Two numbers are the limits of the replied-to user, three name the user first.
            let (target, rest) = words.count == 2 ? (.repliedTo, words) : target(words)
            guard rest.count == 2, let daily = limit(rest[0]), let queued = limit(rest[1]) else { return .failure(.quota) }
            return .success(.quota(target, dailyLimit: daily.limit, maxQueued: queued.limit))
        default:
            return nil
        }
    }

    /// A leading user id names the target; without one it is the author of the message
    /// the command replies to.
    private static func target(_ words: [String]) -> (AdminTarget, [String]) {
        if let first = words.first, let id = Int64(first), id > 0 { return (.user(id), Array(words.dropFirst())) }
        return (.repliedTo, words)
    }

    /// A typed limit: a number within 0...maxLimit, or `default` (also `-`) for none.
    private struct LimitWord {
        var limit: Int?
    }

    /// Nil when `word` is no limit.
    private static func limit(_ word: String) -> LimitWord? {
        if ["default", "-", "predeterminado"].contains(word.lowercased()) { return LimitWord(limit: nil) }
        guard let value = Int(word), (0...maxLimit).contains(value) else { return nil }
        return LimitWord(limit: value)
    }
}

/// Whom an admin command is about.
public enum AdminTarget: Sendable, Equatable {
    case user(Int64)
    /// The author of the message the command replies to (resolved by Ingest).
    case repliedTo
}

/// An admin command typed wrong: the reply shows how to type it.
public enum AdminUsage: String, Error, Sendable, Equatable, Codable {
    case ban, unban, quota
}
