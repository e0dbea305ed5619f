-- The Renderer's side of the work table.

-- name: EnqueueJobs
-- Parallel arrays, one element per request: $1 update ids, $2 chats, $3 users,
-- $4 message ids, $5 language codes, $6 prompts, $7 negative prompts, $8 models,
-- $9 widths, $10 heights, $11 steps, $12 guidances, $13 seeds, $14 samplers,
-- $15 max attempts. One row per request, in order.
SELECT request, outcome, job_id, queue_position, used_today, daily_limit, pending, max_queued
  FROM enqueue_jobs($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                    $8::text[], $9::integer[], $10::integer[], $11::integer[], $12::real[], $13::bigint[],
                    $14::text[], $15::integer[])
 ORDER BY request

-- name: ClaimRenderBatch
-- $1 owner, $2 model served, $3 max batch size, $4 lease seconds, $5 max batch pixels.
-- Each job comes with its chat's own safety policy, if the chat has one.
-- The oldest due queued job of the model picks the batch key, then up to $3 queued
-- jobs with that key join it, oldest first — fewer for large images, so batch × width ×
-- height stays within $5 (at least one job is always taken). Both CTEs are MATERIALIZED so LIMIT and
-- SKIP LOCKED apply before the UPDATE, and two Renderers never take the same row.
-- queue_wait_seconds: how long the job waited, queued (created_at) to now, on its first
-- claim only (render_started_at still unset); NULL when a retry, a rescued lease or a
-- released batch brings it back, so each job counts once.
WITH head AS MATERIALIZED (
    SELECT width, height, steps, sampler
      FROM jobs
     WHERE state = 'queued' AND model = $2 AND scheduled_at <= now()
     ORDER BY id
     LIMIT 1
       FOR UPDATE SKIP LOCKED
), batch AS MATERIALIZED (
    SELECT j.id, j.render_started_at IS NULL AS first_claim
      FROM jobs j, head h
     WHERE j.state = 'queued' AND j.model = $2 AND j.scheduled_at <= now()
       AND (j.width, j.height, j.steps, j.sampler) = (h.width, h.height, h.steps, h.sampler)
     ORDER BY j.id
     LIMIT (SELECT greatest(1, least($3, $5 / (h.width * h.height))) FROM head h)
       FOR UPDATE OF j SKIP LOCKED
)
UPDATE jobs SET
    state = 'rendering',
    attempt = attempt + 1,
    lease_owner = $1,
    lease_expires_at = now() + make_interval(secs => $4),
    render_started_at = now(),
    progress_step = 0
  FROM batch
 WHERE jobs.id = batch.id
RETURNING jobs.id, jobs.attempt, jobs.max_attempts, jobs.update_id, jobs.chat_id, jobs.user_id,
          jobs.message_id, jobs.language_code, jobs.prompt, jobs.negative_prompt, jobs.model,
          jobs.width, jobs.height, jobs.steps, jobs.guidance, jobs.seed, jobs.sampler, jobs.created_at,
          (SELECT p.policy FROM chat_nsfw_policies p WHERE p.chat_id = jobs.chat_id) AS chat_nsfw_policy,
          CASE WHEN batch.first_claim THEN extract(epoch FROM jobs.render_started_at - jobs.created_at) END::float8
              AS queue_wait_seconds

-- name: ExtendRenderLeases
-- Heartbeat and progress for a batch: $1 owner, $2 job ids, $3 attempts (same order),
-- $4 lease seconds, $5 step reached. Returns the jobs still owned; a missing id was
-- rescued or cancelled and its result must be thrown away.
UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $4),
                progress_step = least(greatest($5, progress_step), steps)
  FROM unnest($2::bigint[], $3::integer[]) AS mine(job_id, job_attempt)
 WHERE jobs.id = mine.job_id AND jobs.attempt = mine.job_attempt
   AND jobs.state = 'rendering' AND jobs.lease_owner = $1
RETURNING jobs.id

-- name: FinishRenders
-- $1 owner, $2 job ids, $3 attempts, $4 PNGs (bytea[], same order), and the safety
-- checker's $5 verdicts (boolean[], NULL: not checked), $6 margins (real[]) and $7
-- actions for flagged images (spoiler | allowed). Stores each PNG and its SHA-256 and
-- marks the job rendered — only while the lease holds, so a job the rescuer re-queued (or
-- the user cancelled) is never finished twice. Returns the ids finished, with their model
-- and seconds from queued to rendered (the row's own timestamps); the others' results
-- must be thrown away.
UPDATE jobs SET state = 'rendered', rendered_at = now(),
                image_png = ($4::bytea[])[array_position($2::bigint[], id)],
                image_sha256 = sha256(($4::bytea[])[array_position($2::bigint[], id)]),
                image_bytes = octet_length(($4::bytea[])[array_position($2::bigint[], id)]),
                nsfw = ($5::boolean[])[array_position($2::bigint[], id)],
                nsfw_margin = ($6::real[])[array_position($2::bigint[], id)],
                nsfw_action = ($7::text[])[array_position($2::bigint[], id)],
                progress_step = steps, lease_owner = NULL, lease_expires_at = NULL,
                scheduled_at = now()
 -- ARRAY(SELECT unnest(...)) rather than $2 itself: with the ids visible the planner
 -- costed every custom plan below the generic one and planned this statement again on
 -- every call (a fifth of its time); hidden in an InitPlan, both cost the same.
 WHERE id = ANY (ARRAY(SELECT unnest($2::bigint[])))
   AND attempt = ($3::integer[])[array_position($2::bigint[], id)]
   AND state = 'rendering' AND lease_owner = $1
RETURNING id, model, extract(epoch FROM rendered_at - created_at)::float8 AS since_queued_seconds, NULL::float8 AS since_rendered_seconds

-- name: FailRender
SELECT fail_render($1, $2, $3, $4, $5, make_interval(secs => $6)) AS new_state

-- name: ReleaseRender
-- Graceful shutdown: hand claimed jobs back without spending an attempt.
UPDATE jobs SET state = 'queued', attempt = attempt - 1, progress_step = 0,
                lease_owner = NULL, lease_expires_at = NULL, scheduled_at = now()
  FROM unnest($2::bigint[], $3::integer[]) AS mine(job_id, job_attempt)
 WHERE jobs.id = mine.job_id AND jobs.attempt = mine.job_attempt
   AND jobs.state = 'rendering' AND jobs.lease_owner = $1
RETURNING jobs.id

-- name: RescueExpiredLeases
SELECT rescued_id, rescued_table, new_state FROM rescue_expired_leases($1)

-- name: CancelQueuedJobs
-- $1 user, $2 job id or NULL for all of the user's queued jobs.
UPDATE jobs SET state = 'cancelled', cancelled_at = now()
 WHERE user_id = $1 AND state = 'queued' AND ($2::bigint IS NULL OR id = $2)
RETURNING id

-- name: CancelJobs
-- /cancel: $1 user, $2 job id or NULL for all. Queued jobs and jobs being rendered: a
-- rendering job loses its lease, so its Renderer drops the result (and stops the batch at
-- its next heartbeat when no batch-mate is left). Returns each id and whether it was rendering.
WITH target AS (
    SELECT id, state = 'rendering' AS was_rendering FROM jobs
     WHERE user_id = $1 AND state IN ('queued', 'rendering') AND ($2::bigint IS NULL OR id = $2)
       FOR UPDATE
)
UPDATE jobs SET state = 'cancelled', cancelled_at = now(), lease_owner = NULL, lease_expires_at = NULL
  FROM target
 WHERE jobs.id = target.id
RETURNING jobs.id, target.was_rendering

-- name: JobByID
SELECT id, state, attempt, max_attempts, delivery_attempt, lease_owner, progress_step, steps,
       errors, image_sha256, image_bytes, image_png IS NOT NULL AS has_image, telegram_message_id,
       scheduled_at, created_at
  FROM jobs WHERE id = $1

-- name: StorePreviews
-- Live previews: $1 owner, $2 job ids, $3 attempts, $4 step, $5 PNGs, $6 spoilers (same
-- order). Each job still leased to $1 for that attempt keeps its latest preview; returns
-- those ids.
INSERT INTO job_previews (job_id, step, png, spoiler)
SELECT j.id, $4, p.png, p.spoiler
  FROM unnest($2::bigint[], $3::integer[], $5::bytea[], $6::boolean[]) AS p(job_id, job_attempt, png, spoiler), jobs j
 WHERE j.id = p.job_id AND j.attempt = p.job_attempt AND j.state = 'rendering' AND j.lease_owner = $1
    ON CONFLICT (job_id) DO UPDATE SET step = EXCLUDED.step, png = EXCLUDED.png, spoiler = EXCLUDED.spoiler, stored_at = now()
RETURNING job_id

-- name: BlockRenders
-- Images the safety checker flagged where the policy blocks them: $1 owner, $2 job ids,
-- $3 attempts, $4 PNGs, $5 margins. The PNG is never stored, only its SHA-256; the job
-- fails for good (no retry would make another image: the seed is the user's) and the user
-- gets the image_blocked notice. $6 > 0 bans a user whose blocked images in the last 24
-- hours reach it (LIENZO_AUTO_BAN_AFTER). Returns the ids blocked.
WITH blocked AS (
    UPDATE jobs SET state = 'failed', failed_at = now(), nsfw = true, nsfw_action = 'blocked',
                    nsfw_margin = ($5::real[])[array_position($2::bigint[], id)],
                    image_sha256 = sha256(($4::bytea[])[array_position($2::bigint[], id)]),
                    image_bytes = octet_length(($4::bytea[])[array_position($2::bigint[], id)]),
                    lease_owner = NULL, lease_expires_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object(
                        'at', now(), 'stage', 'render', 'attempt', attempt, 'error', 'image blocked by the safety checker', 'by', $1::text))
     WHERE id = ANY (ARRAY(SELECT unnest($2::bigint[])))
       AND attempt = ($3::integer[])[array_position($2::bigint[], id)]
       AND state = 'rendering' AND lease_owner = $1
    RETURNING id, chat_id, user_id, message_id, language_code
), notices AS (
    INSERT INTO outbox (chat_id, job_id, reply_to_message_id, language_code, kind)
    SELECT chat_id, id, message_id, language_code, 'image_blocked' FROM blocked
), over_limit AS (
    -- This statement's blocks are not visible to its own reads: count them beside the earlier ones.
    SELECT b.user_id
      FROM (SELECT user_id, count(*) AS now_blocked FROM blocked GROUP BY user_id) b
     WHERE $6::integer > 0
       AND b.now_blocked + (SELECT count(*) FROM jobs j
                             WHERE j.user_id = b.user_id AND j.nsfw_action = 'blocked'
                               AND j.failed_at > now() - interval '24 hours') >= $6::integer
), banned AS (
    INSERT INTO users (user_id, banned, banned_reason)
    SELECT user_id, true, 'automatic: ' || $6::integer || ' images blocked in 24 hours' FROM over_limit
        ON CONFLICT (user_id) DO UPDATE SET banned = true, banned_reason = EXCLUDED.banned_reason
     WHERE NOT users.banned
)
SELECT id FROM blocked
