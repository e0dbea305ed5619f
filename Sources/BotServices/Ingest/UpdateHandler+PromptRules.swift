import Bot
import Schema

/// The operators' prompt rules (`PromptBlocklist`, refreshed by `PromptRulesRefresh`),
/// applied before anything else about a request: a request that breaks one is refused
/// with `.blockedPrompt`, gets no job, and leaves a row in `refused_prompts` (user, chat,
/// day, rule: never the prompt).
extension UpdateHandler {
    /// The refusal of `request` from `origin`, counted for audits in the caller's
    /// transaction; nil when it breaks no rule. The rules are in memory: no query unless
    /// one matched.
    func promptRuleRefusal(_ request: RenderRequest, origin: TelegramOrigin, connection: PostgresConnection) async throws -> Rejection? {
        guard let rule = blocklist.check(request, language: BotLanguage(languageCode: origin.languageCode)) else { return nil }
        try await JobQueue(connection).recordRefusedPrompt(userID: origin.userID, chatID: origin.chatID, rule: rule)
        return .blockedPrompt
    }
}
