/// A row of `prompt_rules`, the blocklist operators edit in SQL (see
/// sql/migrations/0010_prompt_rules.sql). Matching is `Bot.PromptBlocklist`'s; this is
/// the row as stored.
public struct PromptRule: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// One word or several in a row, whole words; a trailing `*` matches longer words.
        case term
        /// A regular expression over the normalised prompt.
        case pattern
    }

    public var id: Int64
    public var kind: Kind
    public var rule: String
    /// nil for every user; a two-letter code (`en`, `es`) for users answered in it.
    public var language: String?

    public init(id: Int64, kind: Kind, rule: String, language: String? = nil) {
        self.id = id
        self.kind = kind
        self.rule = rule
        self.language = language
    }
}

extension JobQueue {
    /// The whole list, oldest first. A row of an unknown kind cannot exist (a CHECK).
    public func promptRules() async throws -> [PromptRule] {
        try await connection.query(EmbeddedSQL.Queries.promptRules).map { row in
            let kind: String = try row.decode("kind")
            guard let known = PromptRule.Kind(rawValue: kind) else {
                throw PostgresError(.decoding, message: "unknown prompt rule kind '\(kind.prefix(20))'")
            }
            return PromptRule(id: try row.decode("id"), kind: known, rule: try row.decode("rule"),
                              language: try row.decode("language", as: String?.self))
        }
    }

    /// Counts a request refused by `rule` (table `refused_prompts`): user, chat, today's
    /// UTC day and the rule, never the prompt. Meant for the refused update's transaction.
    public func recordRefusedPrompt(userID: Int64, chatID: Int64, rule: PromptRule) async throws {
        try await connection.query(EmbeddedSQL.Queries.recordRefusedPrompt, userID, chatID, rule.id, rule.rule)
    }
}
