-- Retention and the user's own data (sql/migrations/0013_privacy.sql): the purge Deliver
-- runs, the windows it publishes, /privacy and /forget.

-- name: PurgeExpired
-- One bounded round: $1 image window, $2 prompt window (seconds), $3 most rows touched.
SELECT images_purged, prompts_purged, messages_purged
  FROM purge_expired(make_interval(secs => $1), make_interval(secs => $2), $3)

-- name: RetentionBacklog
-- Rows past their window not purged yet, per kind (images, prompts, messages), and
-- how many seconds past it the oldest is (0 when none).
SELECT kind, overdue, COALESCE(extract(epoch FROM oldest_overdue_by), 0)::float8 AS oldest_overdue_seconds
  FROM retention_backlog
 ORDER BY kind

-- name: PublishRetentionPolicy
-- The windows Deliver enforces: $1 images, $2 prompts (seconds).
UPDATE retention_policy
   SET keep_images_for = make_interval(secs => $1), keep_prompts_for = make_interval(secs => $2), published_at = now()

-- name: RetentionPolicy
-- The windows in force, for /privacy and the "image expired" answer.
SELECT extract(epoch FROM keep_images_for)::float8 AS keep_images_seconds,
       extract(epoch FROM keep_prompts_for)::float8 AS keep_prompts_seconds
  FROM retention_policy

-- name: ForgetUser
-- /forget confirmed by user $1; in the transaction of the button press.
SELECT prompts_erased, images_erased, requests_cancelled, messages_erased, refusals_anonymized, settings_erased
  FROM forget_user($1)

-- name: InsertReply
-- An answer to user $8's message, as InsertOutbox: $1 chat, $2 job or NULL, $3 reply to,
-- $4 message to edit or NULL, $5 language, $6 kind, $7 args (json object). The user is
-- recorded so that /forget finds what the reply may echo of their words, in groups too.
INSERT INTO outbox (chat_id, job_id, reply_to_message_id, edit_message_id, language_code, kind, args, user_id)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)
RETURNING id
