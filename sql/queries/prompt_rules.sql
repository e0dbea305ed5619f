-- Prompt rules (sql/migrations/0010_prompt_rules.sql): written by operators, read by
-- Ingest; refusals counted by Ingest.

-- name: PromptRules
-- The whole list, oldest first, so the first rule that matches is stable.
SELECT id, kind, rule, language FROM prompt_rules ORDER BY id

-- name: RecordRefusedPrompt
-- In the transaction of the refused update. $1 user, $2 chat, $3 rule id, $4 rule.
INSERT INTO refused_prompts (user_id, chat_id, rule_id, rule) VALUES ($1, $2, $3, $4)
