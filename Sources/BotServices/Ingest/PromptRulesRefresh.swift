import Bot
import Logging
import Runtime
import Schema

/// The prompt rules Ingest applies (table `prompt_rules`, edited by operators in SQL). As
/// `ModelProfileRefresh`: read with a batch of updates once `interval` has passed since
/// the last read, so a message costs no query and a rule an operator adds or deletes is in
/// force within `interval`.
struct PromptRulesRefresh: Sendable {
    private var read: IntervalRead<[PromptRule]>

    init(interval: Duration) {
        read = IntervalRead(interval: interval)
    }

    /// The blocklist to apply from now on when the rules changed since the last read; nil
    /// when they did not, when it is not time to read yet, or when the read failed (the
    /// list in force stays, and the next batch tries again).
    mutating func changedBlocklist(connection: PostgresConnection, logger: Logger) async -> PromptBlocklist? {
        let stored: [PromptRule]?
        do {
            stored = try await read.changed { try await JobQueue(connection).promptRules() }
        } catch {
            logger.warning("could not read the prompt rules; the rules in force stay", metadata: [LogKey.error: "\(error)"])
            return nil
        }
        guard let stored else { return nil }
        let blocklist = PromptBlocklist(stored)
        for rule in blocklist.skipped {
            logger.warning("prompt rule skipped: it cannot match anything", metadata: [
                "lienzo_prompt_rule_id": "\(rule.id)", "lienzo_prompt_rule_kind": "\(rule.kind.rawValue)",
            ])
        }
        logger.info("prompt rules applied", metadata: ["lienzo_prompt_rules": "\(blocklist.count)"])
        return blocklist
    }
}
