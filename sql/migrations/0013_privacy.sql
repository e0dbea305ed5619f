-- Privacy by default: what users send and get is kept only as long as it serves them.
--
--   * Retention that runs by itself. Deliver calls purge_expired() every minute or so
--     (LIENZO_KEEP_IMAGES_FOR, LIENZO_KEEP_PROMPTS_FOR): a finished job's PNG goes after
--     the image window (24 hours: as long as its "send as file" button is useful), its
--     prompt and negative prompt after the prompt window (30 days), and so do the bits of
--     user text the bot echoed in its replies (outbox args). Counts, hashes and timestamps
--     stay for audits and quotas. Each call touches a bounded number of rows, taken with
--     SKIP LOCKED, so the purge never holds long locks nor makes a burst of dead rows.
--   * /forget: forget_user() erases one user's prompts, images, previews, echoed text and
--     settings at once, cancels their unfinished jobs and discards a result being made.
--     What quotas and bans need stays: user_daily_jobs, jobs' user_id, counts and hashes,
--     users.banned and the per-user limits an operator set.
--
-- purge_prompts() (0002) stays for operators (`purge-prompts`, one unbounded statement).

-- The windows Deliver enforces, published by it at start-up so that /privacy quotes the
-- numbers in force and retention_backlog measures against them. Change them in Deliver's
-- environment: its next start overwrites this row. The row below holds the defaults
-- until a Deliver has published.
CREATE TABLE retention_policy (
    singleton         boolean PRIMARY KEY DEFAULT true CONSTRAINT retention_policy_one_row CHECK (singleton),
    keep_images_for   interval NOT NULL,   -- a finished job's PNG (0: dropped at the next purge)
    keep_prompts_for  interval NOT NULL,   -- a finished job's prompt, negative prompt and echoed text
    published_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT retention_windows_not_negative CHECK (keep_images_for >= interval '0' AND keep_prompts_for >= interval '0')
);
INSERT INTO retention_policy (keep_images_for, keep_prompts_for) VALUES (interval '24 hours', interval '30 days');

-- The user whose message an outbox row answers (Ingest's replies). Rows about a job find
-- their user through job_id; this is for the rest (a refusal, an unknown command), whose
-- args may echo a few words the user typed, so /forget finds them in a group too. Only
-- those kinds are indexed: an acknowledgement costs no index entry.
ALTER TABLE outbox ADD COLUMN user_id bigint;
CREATE INDEX outbox_user_idx ON outbox (user_id)
 WHERE user_id IS NOT NULL AND kind IN ('rejected', 'unknown_command', 'job_failed');
-- Earlier replies in private chats, whose chat id is the user's id.
UPDATE outbox SET user_id = chat_id
 WHERE chat_id > 0 AND job_id IS NULL AND kind IN ('rejected', 'unknown_command');

-- The purge's three scans, each in the order it takes rows. Their predicates name finished
-- states (or outbox kinds) only, so no statement of the render or delivery cycle, whose
-- WHERE names 'rendering' or 'delivering', can be planned onto them.
-- Finished jobs whose PNG is kept, by the time they finished.
CREATE INDEX jobs_image_kept_idx ON jobs ((coalesce(delivered_at, failed_at, cancelled_at)))
 WHERE image_png IS NOT NULL AND state IN ('delivered', 'failed', 'cancelled');
-- Finished jobs whose prompt is kept, oldest first.
CREATE INDEX jobs_prompt_kept_idx ON jobs (created_at)
 WHERE prompt_purged_at IS NULL AND state IN ('delivered', 'failed', 'cancelled');
-- Replies whose args may echo user text (a refusal quotes the option value or the words
-- it could not read, an unknown command, a render error naming a <lora:…> tag), not yet
-- blanked. No other kind's args hold anything the user typed.
CREATE INDEX outbox_echo_kept_idx ON outbox (created_at)
 WHERE kind IN ('rejected', 'unknown_command', 'job_failed') AND args <> '{}'::jsonb;

-- One round of retention: drops the PNGs of jobs finished more than p_images_older_than
-- ago, blanks the prompts of jobs created more than p_prompts_older_than ago (and their
-- PNG with them), then blanks the args of echoing replies older than that. At most
-- p_limit rows in all, oldest first, skipping rows another transaction holds. Idempotent:
-- a purged row matches no scan again. The caller repeats while a call returns p_limit.
CREATE FUNCTION purge_expired(p_images_older_than interval, p_prompts_older_than interval, p_limit integer)
RETURNS TABLE (images_purged integer, prompts_purged integer, messages_purged integer)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    WITH expired AS MATERIALIZED (
        SELECT id FROM jobs
         WHERE image_png IS NOT NULL AND state IN ('delivered', 'failed', 'cancelled')
           AND coalesce(delivered_at, failed_at, cancelled_at) < now() - p_images_older_than
         ORDER BY coalesce(delivered_at, failed_at, cancelled_at)
         LIMIT greatest(p_limit, 0)
           FOR UPDATE SKIP LOCKED
    ), purged AS (
        UPDATE jobs SET image_png = NULL FROM expired WHERE jobs.id = expired.id RETURNING 1
    )
    SELECT count(*) INTO images_purged FROM purged;

    WITH expired AS MATERIALIZED (
        SELECT id FROM jobs
         WHERE prompt_purged_at IS NULL AND state IN ('delivered', 'failed', 'cancelled')
           AND created_at < now() - p_prompts_older_than
         ORDER BY created_at
         LIMIT greatest(p_limit - images_purged, 0)
           FOR UPDATE SKIP LOCKED
    ), purged AS (
        UPDATE jobs SET prompt = '', negative_prompt = '', image_png = NULL, prompt_purged_at = now()
          FROM expired WHERE jobs.id = expired.id
        RETURNING 1
    )
    SELECT count(*) INTO prompts_purged FROM purged;

    WITH expired AS MATERIALIZED (
        SELECT id FROM outbox
         WHERE kind IN ('rejected', 'unknown_command', 'job_failed') AND args <> '{}'::jsonb
           AND state IN ('sent', 'failed') AND created_at < now() - p_prompts_older_than
         ORDER BY created_at
         LIMIT greatest(p_limit - images_purged - prompts_purged, 0)
           FOR UPDATE SKIP LOCKED
    ), purged AS (
        UPDATE outbox SET args = '{}' FROM expired WHERE outbox.id = expired.id RETURNING 1
    )
    SELECT count(*) INTO messages_purged FROM purged;
    RETURN NEXT;
END $$;

-- What the purge has yet to do: rows past their window, and how far past the oldest is.
-- Right after a round both are near zero; a backlog that keeps growing means the purge
-- falls behind (or no Deliver is running).
CREATE VIEW retention_backlog AS
SELECT 'images'::text AS kind, count(j.id) AS overdue,
       max(now() - p.keep_images_for - coalesce(j.delivered_at, j.failed_at, j.cancelled_at)) AS oldest_overdue_by
  FROM retention_policy p
  LEFT JOIN jobs j ON j.image_png IS NOT NULL AND j.state IN ('delivered', 'failed', 'cancelled')
                  AND coalesce(j.delivered_at, j.failed_at, j.cancelled_at) < now() - p.keep_images_for
UNION ALL
SELECT 'prompts', count(j.id), max(now() - p.keep_prompts_for - j.created_at)
  FROM retention_policy p
  LEFT JOIN jobs j ON j.prompt_purged_at IS NULL AND j.state IN ('delivered', 'failed', 'cancelled')
                  AND j.created_at < now() - p.keep_prompts_for
UNION ALL
SELECT 'messages', count(o.id), max(now() - p.keep_prompts_for - o.created_at)
  FROM retention_policy p
  LEFT JOIN outbox o ON o.kind IN ('rejected', 'unknown_command', 'job_failed') AND o.args <> '{}'::jsonb
                    AND o.state IN ('sent', 'failed') AND o.created_at < now() - p.keep_prompts_for;

-- /forget, confirmed. In one transaction, for one user (in every chat, and only their own
-- requests in a group):
--   * every job: prompt and negative prompt blanked (prompt_purged_at set, so its buttons
--     answer that the image is gone); queued, rendering and rendered jobs cancelled, which
--     drops a rendering job's preview (0011's trigger) and makes the Renderer's finish a
--     no-op (FinishRenders needs 'rendering' and the lease); stored PNGs dropped. A photo
--     being sent right now ('delivering') keeps its PNG until the send ends, then loses it
--     (the trigger below);
--   * replies that may echo what the user typed: args blanked, unsent ones not sent;
--   * refused_prompts rows: user and chat set to 0 (the day and the rule stay counted);
--   * users: the row goes unless an operator set something on it (a ban, a limit); then
--     only its language is forgotten.
-- Kept: user_daily_jobs and the jobs' user_id, counts, hashes and timestamps, which the
-- quotas and the image checker's ban rule read. Returns what was erased.
CREATE FUNCTION forget_user(p_user_id bigint)
RETURNS TABLE (
    prompts_erased integer,       -- jobs whose prompt was still kept
    images_erased integer,        -- jobs whose PNG was still kept
    requests_cancelled integer,   -- queued, rendering or rendered jobs cancelled
    messages_erased integer,      -- replies whose echoed text was blanked
    refusals_anonymized integer,  -- refused_prompts rows no longer naming the user
    settings_erased boolean       -- the users row (or its language) was forgotten
) LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- The enqueue's per-user lock: a request of this user being enqueued concurrently
    -- either commits before (and is erased here) or waits and comes after.
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.enqueue_job'), hashint8(p_user_id));

    WITH mine AS MATERIALIZED (
        SELECT id, state, prompt_purged_at IS NULL AS had_prompt, image_png IS NOT NULL AS had_image
          FROM jobs
         WHERE user_id = p_user_id AND (prompt_purged_at IS NULL OR image_png IS NOT NULL)
         ORDER BY id
           FOR UPDATE
    ), erased AS (
        UPDATE jobs SET
            prompt = '', negative_prompt = '', prompt_purged_at = coalesce(jobs.prompt_purged_at, now()),
            state = CASE WHEN mine.state IN ('queued', 'rendering', 'rendered') THEN 'cancelled' ELSE jobs.state END,
            cancelled_at = CASE WHEN mine.state IN ('queued', 'rendering', 'rendered') THEN now() ELSE jobs.cancelled_at END,
            lease_owner = CASE WHEN mine.state = 'rendering' THEN NULL ELSE jobs.lease_owner END,
            lease_expires_at = CASE WHEN mine.state = 'rendering' THEN NULL ELSE jobs.lease_expires_at END,
            image_png = CASE WHEN mine.state = 'delivering' THEN jobs.image_png END
          FROM mine
         WHERE jobs.id = mine.id
        RETURNING mine.state, mine.had_prompt, mine.had_image
    )
    SELECT count(*) FILTER (WHERE had_prompt), count(*) FILTER (WHERE had_image),
           count(*) FILTER (WHERE state IN ('queued', 'rendering', 'rendered'))
      INTO prompts_erased, images_erased, requests_cancelled
      FROM erased;

    WITH echoes AS MATERIALIZED (
        SELECT o.id FROM outbox o
         WHERE o.user_id = p_user_id AND o.user_id IS NOT NULL AND o.kind IN ('rejected', 'unknown_command', 'job_failed')
           AND o.args <> '{}'::jsonb
        UNION
        SELECT o.id FROM jobs j JOIN outbox o ON o.job_id = j.id
         WHERE j.user_id = p_user_id AND o.kind IN ('rejected', 'unknown_command', 'job_failed') AND o.args <> '{}'::jsonb
    ), blanked AS (
        -- A pending reply is not sent any more; one being sent was read already.
        UPDATE outbox SET args = '{}',
               state = CASE WHEN outbox.state = 'pending' THEN 'failed' ELSE outbox.state END::outbox_state,
               failed_at = CASE WHEN outbox.state = 'pending' THEN now() ELSE outbox.failed_at END,
               errors = CASE WHEN outbox.state = 'pending'
                             THEN outbox.errors || jsonb_build_array(jsonb_build_object('at', now(), 'error', 'forgotten'))
                             ELSE outbox.errors END
          FROM echoes
         WHERE outbox.id = echoes.id
        RETURNING 1
    )
    SELECT count(*) INTO messages_erased FROM blanked;

    WITH anonymized AS (
        UPDATE refused_prompts SET user_id = 0, chat_id = 0 WHERE user_id = p_user_id RETURNING 1
    )
    SELECT count(*) INTO refusals_anonymized FROM anonymized;

    DELETE FROM users
     WHERE user_id = p_user_id AND NOT banned AND banned_reason IS NULL AND daily_limit IS NULL AND max_queued IS NULL;
    settings_erased := FOUND;
    IF NOT settings_erased THEN
        UPDATE users SET language_code = NULL WHERE user_id = p_user_id AND language_code IS NOT NULL;
        settings_erased := FOUND;
    END IF;
    RETURN NEXT;
END $$;

-- A forgotten job (prompt_purged_at set while it was being sent) keeps no result: when
-- the send ends its PNG goes, and a send that failed and would be retried is cancelled
-- instead. Purged finished jobs never change state again, so this fires for nothing else.
CREATE FUNCTION discard_forgotten_result() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'rendered' THEN
        NEW.state := 'cancelled';
        NEW.cancelled_at := now();
    END IF;
    NEW.image_png := NULL;
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_discard_forgotten_result
    BEFORE UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.prompt_purged_at IS NOT NULL AND NEW.image_png IS NOT NULL
                       AND NEW.state IN ('rendered', 'delivered', 'failed', 'cancelled'))
    EXECUTE FUNCTION discard_forgotten_result();
