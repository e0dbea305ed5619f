import Foundation
import Runtime

/// Who may use the bot, and who may run it from the chat.
///
/// Environment keys (Ingest's):
/// - `LIENZO_ADMINS` [none]: comma-separated Telegram user ids of the operators, who get
///   /stats, /ban, /unban and /quota <user> <daily> <pending> (`AdminCommand`). To anyone
///   else those commands are unknown ones.
/// - `LIENZO_ACCESS` [`open`]: `open` serves everyone not banned; `allowlist` serves only
///   the users and chats in the `access_allowlist` table (and the admins), and tells the
///   others the bot is private.
public struct AccessPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        case open, allowlist
    }

    public var admins: Set<Int64> = []
    public var mode: Mode = .open

    public init(admins: Set<Int64> = [], mode: Mode = .open) {
        self.admins = admins
        self.mode = mode
    }

    public init(environment: Environment) throws {
        if let list = environment["LIENZO_ADMINS"] {
            admins = try Self.userIDs(list, setting: "LIENZO_ADMINS")
        }
        if let text = environment["LIENZO_ACCESS"] {
            guard let mode = Mode(rawValue: text.lowercased()) else {
                throw ConfigurationError("LIENZO_ACCESS must be open or allowlist, got '\(text)'")
            }
            self.mode = mode
        }
    }

    public func isAdmin(_ userID: Int64) -> Bool { admins.contains(userID) }

    /// "123, 456" → [123, 456]; a bad entry is an error naming it (a typo must not leave
    /// an operator without their commands, or give them to someone else).
    static func userIDs(_ list: String, setting: String) throws -> Set<Int64> {
        var ids: Set<Int64> = []
        for entry in list.split(separator: ",") {
            let text = entry.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let id = Int64(text), id > 0 else {
                throw ConfigurationError("\(setting) must list Telegram user ids (positive numbers) separated by commas, got '\(text)'")
            }
            ids.insert(id)
        }
        return ids
    }
}
