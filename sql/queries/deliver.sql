-- Deliver's side: photos of rendered jobs, and the outbox of texts.

-- name: ClaimDeliveries
-- $1 owner, $2 max rows, $3 lease seconds.
WITH due AS MATERIALIZED (
    SELECT id FROM jobs
     WHERE state = 'rendered' AND scheduled_at <= now()
     ORDER BY id
     LIMIT $2
       FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET state = 'delivering', delivery_attempt = delivery_attempt + 1,
                lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3),
                delivery_started_at = now()
  FROM due
 WHERE jobs.id = due.id
RETURNING jobs.id, jobs.delivery_attempt, jobs.chat_id, jobs.message_id, jobs.language_code,
          jobs.prompt, jobs.negative_prompt, jobs.model, jobs.width, jobs.height, jobs.steps,
          jobs.guidance, jobs.seed, jobs.sampler, jobs.image_png, jobs.status_message_id,
          jobs.nsfw_action = 'spoiler' AS spoiler

-- name: FinishDeliveries
-- $1 owner, $2 job ids, $3 delivery attempts, $4 Telegram message ids (same order),
-- $5 keep the PNG bytes. Marks each photo delivered — only while the lease holds, so a
-- job the rescuer handed back is never finished twice. Returns the ids finished, with
-- their model and seconds since queued and since rendered (the row's own timestamps).
UPDATE jobs SET state = 'delivered', delivered_at = now(),
                telegram_message_id = ($4::bigint[])[array_position($2::bigint[], id)],
                image_png = CASE WHEN $5 THEN image_png END,
                lease_owner = NULL, lease_expires_at = NULL
 -- ARRAY(SELECT unnest(...)), as in FinishRenders: one generic plan, not one per call.
 WHERE id = ANY (ARRAY(SELECT unnest($2::bigint[])))
   AND delivery_attempt = ($3::integer[])[array_position($2::bigint[], id)]
   AND state = 'delivering' AND lease_owner = $1
RETURNING id, model, extract(epoch FROM delivered_at - created_at)::float8 AS since_queued_seconds,
          extract(epoch FROM delivered_at - rendered_at)::float8 AS since_rendered_seconds

-- name: RenewDeliveryLease
-- $1 owner, $2 job id, $3 delivery attempt, $4 lease seconds. Asked right before each send:
-- the job is still this holder's (the rescuer has not handed it back), and its lease now
-- runs a whole term, so it does not run out mid-send. No row: the lease was lost and the
-- job is someone else's to send (or delivered); sending it would make a second photo.
-- An expired lease the rescuer has not taken yet is still this holder's and is renewed;
-- the row lock decides between the two.
UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $4)
 WHERE id = $2 AND state = 'delivering' AND lease_owner = $1 AND delivery_attempt = $3
RETURNING id

-- name: FinishDeliveryWithoutLease
-- $1 job id, $2 delivery attempt, $3 Telegram message id, $4 keep the PNG bytes. A photo
-- Telegram confirmed (ok: true) after its lease was lost (it ran out while the send or the
-- database took long, and the rescuer handed the job back) is delivered all the same:
-- recording it is what keeps it from going out twice. Only while nobody delivered it
-- since: back in line (rendered) or claimed again by a later attempt (delivering), whose
-- holder then finds its lease lost before sending. Returns the job when finished, as
-- FinishDeliveries does.
UPDATE jobs SET state = 'delivered', delivered_at = now(), telegram_message_id = $3,
                image_png = CASE WHEN $4 THEN image_png END,
                lease_owner = NULL, lease_expires_at = NULL
 WHERE id = $1 AND delivery_attempt >= $2 AND state IN ('rendered', 'delivering')
RETURNING id, model, extract(epoch FROM delivered_at - created_at)::float8 AS since_queued_seconds,
          extract(epoch FROM delivered_at - rendered_at)::float8 AS since_rendered_seconds

-- name: FailDelivery
SELECT fail_delivery($1, $2, $3, $4, $5, make_interval(secs => $6)) AS new_state

-- name: InsertOutbox
-- $1 chat, $2 job or NULL, $3 reply to, $4 message to edit or NULL, $5 language, $6 kind, $7 args (json object).
INSERT INTO outbox (chat_id, job_id, reply_to_message_id, edit_message_id, language_code, kind, args)
VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
RETURNING id

-- name: ClaimOutbox
-- $1 owner, $2 max rows, $3 lease seconds. A row is due only when it is the oldest
-- unsent row of its chat, so one chat's messages go out in order.
WITH due AS MATERIALIZED (
    SELECT o.id FROM outbox o
     WHERE o.state = 'pending' AND o.scheduled_at <= now()
       AND NOT EXISTS (SELECT 1 FROM outbox earlier
                        WHERE earlier.chat_id = o.chat_id AND earlier.id < o.id
                          AND earlier.state IN ('pending', 'sending'))
     ORDER BY o.id
     LIMIT $2
       FOR UPDATE SKIP LOCKED
)
UPDATE outbox SET state = 'sending', attempt = attempt + 1,
                  lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3)
  FROM due
 WHERE outbox.id = due.id
RETURNING outbox.id, outbox.attempt, outbox.chat_id, outbox.job_id, outbox.reply_to_message_id,
          outbox.edit_message_id, outbox.language_code, outbox.kind, outbox.args::text

-- name: FinishOutbox
-- $1 id, $2 owner, $3 attempt, $4 Telegram message id (NULL for an edit).
UPDATE outbox SET state = 'sent', sent_at = now(), telegram_message_id = $4,
                  lease_owner = NULL, lease_expires_at = NULL
 WHERE id = $1 AND state = 'sending' AND lease_owner = $2 AND attempt = $3
RETURNING id

-- name: RenewOutboxLease
-- $1 id, $2 owner, $3 attempt, $4 lease seconds. RenewDeliveryLease for a message.
UPDATE outbox SET lease_expires_at = now() + make_interval(secs => $4)
 WHERE id = $1 AND state = 'sending' AND lease_owner = $2 AND attempt = $3
RETURNING id

-- name: FinishOutboxWithoutLease
-- $1 id, $2 attempt, $3 Telegram message id (NULL for an edit). FinishDeliveryWithoutLease
-- for a message: sent, while not sent since (pending again, or claimed again).
UPDATE outbox SET state = 'sent', sent_at = now(), telegram_message_id = $3,
                  lease_owner = NULL, lease_expires_at = NULL
 WHERE id = $1 AND attempt >= $2 AND state IN ('pending', 'sending')
RETURNING id

-- name: FailOutbox
-- $1 id, $2 owner, $3 attempt, $4 error, $5 retryable, $6 backoff seconds.
UPDATE outbox SET
    state = CASE WHEN $5 AND attempt < max_attempts THEN 'pending' ELSE 'failed' END::outbox_state,
    failed_at = CASE WHEN $5 AND attempt < max_attempts THEN NULL ELSE now() END,
    scheduled_at = now() + make_interval(secs => $6),
    errors = errors || jsonb_build_array(jsonb_build_object('at', now(), 'attempt', attempt, 'error', $4::text, 'by', $2::text)),
    lease_owner = NULL, lease_expires_at = NULL
 WHERE id = $1 AND state = 'sending' AND lease_owner = $2 AND attempt = $3
RETURNING state::text

-- name: PurgePrompts
SELECT purge_prompts(make_interval(days => $1)) AS purged
