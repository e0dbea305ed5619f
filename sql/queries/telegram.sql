-- Deliver's Telegram bookkeeping: chats it cannot write to, and status messages.

-- name: ChatsDeliverability
-- $1 chat ids. Rows only for chats with a note.
SELECT chat_id, undeliverable_at IS NOT NULL AS undeliverable, migrated_to_chat_id
  FROM telegram_chats WHERE chat_id = ANY($1::bigint[])

-- name: MarkChatUndeliverable
-- 403: stop writing to the chat; its pending messages fail at once instead of each
-- earning its own 403.
WITH chat AS (
    INSERT INTO telegram_chats (chat_id, undeliverable_at, undeliverable_reason) VALUES ($1, now(), $2)
    ON CONFLICT (chat_id) DO UPDATE
       SET undeliverable_at = now(), undeliverable_reason = EXCLUDED.undeliverable_reason, updated_at = now()
    RETURNING chat_id
), dropped AS (
    UPDATE outbox SET state = 'failed', failed_at = now(),
           errors = errors || jsonb_build_array(jsonb_build_object('at', now(), 'attempt', attempt, 'error', $2::text))
     WHERE chat_id = $1 AND state = 'pending'
    RETURNING id
)
SELECT (SELECT count(*) FROM dropped) AS dropped

-- name: RecordChatMigration
-- A group became a supergroup ($1 old id, $2 new id): unsent work follows it. Message
-- ids do not carry over, so replies and status messages are dropped.
WITH chat AS (
    INSERT INTO telegram_chats (chat_id, migrated_to_chat_id) VALUES ($1, $2)
    ON CONFLICT (chat_id) DO UPDATE SET migrated_to_chat_id = EXCLUDED.migrated_to_chat_id, updated_at = now()
    RETURNING chat_id
), moved_outbox AS (
    UPDATE outbox SET chat_id = $2, reply_to_message_id = NULL, edit_message_id = NULL
     WHERE chat_id = $1 AND state IN ('pending', 'sending')
    RETURNING id
), moved_jobs AS (
    UPDATE jobs SET chat_id = $2, message_id = NULL, status_final = true
     WHERE chat_id = $1 AND state IN ('queued', 'rendering', 'rendered', 'delivering')
    RETURNING id
)
SELECT (SELECT count(*) FROM moved_outbox) AS outbox_moved, (SELECT count(*) FROM moved_jobs) AS jobs_moved

-- name: SetStatusMessage
-- The acknowledgement of job $1 went out as message $2 showing $3: Deliver edits it from now on.
UPDATE jobs SET status_message_id = $2, status_shown = $3, status_edited_at = now()
 WHERE id = $1 AND status_message_id IS NULL

-- name: StatusUpdatesDue
-- Jobs whose status message shows something else than their state now, not edited in
-- the last $1 seconds, at most $2. `status_key` is what the message should show: a
-- rendering job with a live preview newer than the one shown shows that preview.
-- `remaining_today` is the count the acknowledgement gave, which every edit keeps.
SELECT id, chat_id, status_message_id, preview_message_id, message_id, language_code, status_key,
       (SELECT (o.args->>'remaining')::int FROM outbox o
         WHERE o.job_id = s.id AND o.kind = 'queued' ORDER BY o.id LIMIT 1) AS remaining_today
  FROM (SELECT j.id, j.chat_id, j.status_message_id, j.preview_message_id, j.message_id, j.language_code,
               j.status_shown, j.status_edited_at,
               CASE
                   WHEN j.state = 'rendering' AND p.step > coalesce(j.preview_shown_step, 0)
                       THEN 'preview:' || least(p.step, j.steps) || '/' || j.steps
                   WHEN j.state = 'rendering' THEN 'rendering:' || j.progress_step || '/' || j.steps
                   WHEN j.state = 'delivering' THEN 'rendered'
                   ELSE j.state::text
               END AS status_key
          FROM jobs j LEFT JOIN job_previews p ON p.job_id = j.id
         WHERE j.status_message_id IS NOT NULL AND NOT j.status_final) s
 WHERE s.status_shown IS DISTINCT FROM s.status_key
   AND (s.status_edited_at IS NULL OR s.status_edited_at <= now() - make_interval(secs => $1))
 ORDER BY s.id
 LIMIT $2

-- name: SetStatusShown
-- $1 job, $2 key now shown, $3 final (no more edits).
UPDATE jobs SET status_shown = $2, status_edited_at = now(), status_final = status_final OR $3
 WHERE id = $1

-- name: PreviewToShow
-- Job $1's live preview as it is now (a status round may be seconds old): nothing to
-- show once the job left 'rendering', since the preview photo may be the image by then.
SELECT j.state::text AS state, j.preview_message_id, p.step, p.png, p.spoiler
  FROM jobs j LEFT JOIN job_previews p ON p.job_id = j.id
 WHERE j.id = $1

-- name: SetPreviewShown
-- $1 job, $2 the photo message that shows its previews, $3 the step shown, $4 status key.
UPDATE jobs SET preview_message_id = $2, preview_shown_step = $3, status_shown = $4, status_edited_at = now()
 WHERE id = $1

-- name: ForgetPreviewMessage
-- The preview photo of job $1 is gone (the user deleted it): the image goes out as a
-- new photo, and no status edit follows (the text status message was deleted for it).
UPDATE jobs SET preview_message_id = NULL, status_final = true WHERE id = $1

-- name: JobImage
-- "Send as file": the PNG kept after delivery (purge_prompts drops it later).
SELECT image_png FROM jobs WHERE id = $1

-- name: ReleaseOutbox
-- Hand claimed messages back without spending an attempt (shutdown, or a long 429
-- wait): $1 owner, $2 ids, $3 seconds before they are due again.
UPDATE outbox SET state = 'pending', attempt = attempt - 1, lease_owner = NULL, lease_expires_at = NULL,
                  scheduled_at = now() + make_interval(secs => $3)
 WHERE id = ANY($2::bigint[]) AND state = 'sending' AND lease_owner = $1
RETURNING id

-- name: ReleaseDeliveries
-- The same for claimed photos.
UPDATE jobs SET state = 'rendered', delivery_attempt = delivery_attempt - 1, lease_owner = NULL,
                lease_expires_at = NULL, scheduled_at = now() + make_interval(secs => $3)
 WHERE id = ANY($2::bigint[]) AND state = 'delivering' AND lease_owner = $1
RETURNING id

-- name: JobPrompt
SELECT prompt FROM jobs WHERE id = $1

-- name: JobPromptStarts
-- /status: enough of each prompt to recognise the request (Deliver cuts it to fit).
SELECT id, left(prompt, 64) AS prompt_start FROM jobs WHERE id = ANY($1::bigint[]) AND prompt <> ''
