-- Ingest's side: handled updates, the long-poll offset, and what commands read.

-- name: RecordUpdate
-- First statement of an update's transaction. No row back: the update was handled
-- before (or another Ingest holds it) and must change nothing.
-- $1 update id, $2 kind, $3 chat, $4 user.
INSERT INTO telegram_updates (update_id, kind, chat_id, user_id, outcome)
VALUES ($1, $2, $3, $4, 'pending')
ON CONFLICT (update_id) DO NOTHING
RETURNING update_id

-- name: SetUpdateOutcome
UPDATE telegram_updates SET outcome = $2 WHERE update_id = $1

-- name: LoadUpdateOffset
SELECT next_offset FROM telegram_offsets WHERE bot_id = $1

-- name: SaveUpdateOffset
-- Never moves backwards, so two Ingests (or a late commit) cannot undo each other.
INSERT INTO telegram_offsets (bot_id, next_offset) VALUES ($1, $2)
ON CONFLICT (bot_id) DO UPDATE
   SET next_offset = greatest(telegram_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()

-- name: QuotaOfUser
-- The same arithmetic as enqueue_jobs, read-only, for /quota.
SELECT COALESCE(u.daily_limit, d.daily_limit) AS daily_limit,
       COALESCE(u.max_queued, d.max_queued) AS max_queued,
       COALESCE(u.banned, false) AS banned,
       COALESCE((SELECT c.jobs FROM user_daily_jobs c
                  WHERE c.user_id = $1 AND c.day = (now() AT TIME ZONE 'UTC')::date), 0) AS used_today,
       ((SELECT count(*) FROM jobs j WHERE j.user_id = $1 AND j.state = 'queued')
        + (SELECT count(*) FROM jobs j
            WHERE j.lease_expires_at IS NOT NULL AND j.state = 'rendering' AND j.user_id = $1))::integer AS pending
  FROM quota_defaults d
  LEFT JOIN users u ON u.user_id = $1

-- name: PendingJobsOfUser
-- /status: the user's unfinished jobs, oldest first, with their place in the queue.
SELECT j.id, j.state::text AS state, j.progress_step, j.steps,
       -- Counting stops at 101 ("more than 100 ahead"), as in enqueue_jobs.
       CASE WHEN j.state = 'queued' THEN
           (SELECT count(*) FROM (SELECT 1 FROM jobs q
                                   WHERE q.state = 'queued' AND q.model = j.model AND q.id <= j.id LIMIT 101) ahead)
       END AS queue_position
  FROM jobs j
 WHERE j.user_id = $1 AND j.state IN ('queued', 'rendering', 'rendered', 'delivering')
 ORDER BY j.id
 LIMIT $2

-- name: JobForCallback
-- A button under a delivered photo names its job; this is what a new request needs.
SELECT id, user_id, chat_id, state::text AS state, prompt, negative_prompt, model, width, height,
       steps, guidance, seed, sampler, prompt_purged_at IS NOT NULL AS purged,
       image_png IS NOT NULL AS has_image
  FROM jobs WHERE id = $1

-- name: ClearChatUndeliverable
-- The user wrote again after blocking the bot: they can be written to again.
UPDATE telegram_chats SET undeliverable_at = NULL, undeliverable_reason = NULL, updated_at = now()
 WHERE chat_id = $1 AND undeliverable_at IS NOT NULL
