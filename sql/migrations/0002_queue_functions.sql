-- Queue operations that need more than one statement, as functions so each is one
-- round trip and one transaction. `SET search_path FROM CURRENT` pins them to the schema
-- they were created in, so an operator can call lienzo.purge_prompts(...) from any session.

-- Enqueue one request, enforcing ban, daily limit and pending-jobs limit atomically:
-- the user's row is locked first, so concurrent requests of one user serialize
-- here and cannot both slip past a limit. Idempotent on update_id.
CREATE FUNCTION enqueue_job(
    p_update_id bigint, p_chat_id bigint, p_user_id bigint, p_message_id bigint, p_language_code text,
    p_prompt text, p_negative_prompt text, p_model text, p_width integer, p_height integer,
    p_steps integer, p_guidance real, p_seed bigint, p_sampler text, p_max_attempts integer
) RETURNS TABLE (
    outcome text,            -- accepted | duplicate | banned | daily_limit | queue_full
    job_id bigint,
    queue_position bigint,   -- 1 = next to render; 101 = more than 100 ahead
    used_today integer,
    daily_limit integer,
    pending integer,
    max_queued integer
) LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    u users;
    d quota_defaults;
    v_day_start timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
BEGIN
    -- Row lock only (no new row version): cheaper than an upsert on every request.
    SELECT * INTO u FROM users WHERE user_id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO users (user_id, language_code) VALUES (p_user_id, p_language_code)
        ON CONFLICT (user_id) DO NOTHING;
        SELECT * INTO u FROM users WHERE user_id = p_user_id FOR UPDATE;
    END IF;
    SELECT * INTO d FROM quota_defaults;
    daily_limit := COALESCE(u.daily_limit, d.daily_limit);
    max_queued := COALESCE(u.max_queued, d.max_queued);

    SELECT count(*) FILTER (WHERE j.created_at >= v_day_start AND j.state <> 'failed'),
           count(*) FILTER (WHERE j.state IN ('queued', 'rendering'))
      INTO used_today, pending
      FROM jobs j
     WHERE j.user_id = p_user_id AND (j.created_at >= v_day_start OR j.state IN ('queued', 'rendering'));

    IF u.banned THEN
        outcome := 'banned';
    ELSIF used_today >= daily_limit THEN
        outcome := 'daily_limit';
    ELSIF pending >= max_queued THEN
        outcome := 'queue_full';
    ELSE
        -- The hot path needs no separate duplicate check: the unique update_id does it.
        INSERT INTO jobs (update_id, chat_id, user_id, message_id, language_code,
                          prompt, negative_prompt, prompt_sha256, model, width, height,
                          steps, guidance, seed, sampler, max_attempts)
        VALUES (p_update_id, p_chat_id, p_user_id, p_message_id, p_language_code,
                p_prompt, p_negative_prompt, sha256(convert_to(p_prompt, 'UTF8')), p_model, p_width, p_height,
                p_steps, p_guidance, p_seed, p_sampler, p_max_attempts)
        ON CONFLICT (update_id) DO NOTHING
        RETURNING id INTO job_id;
        IF job_id IS NOT NULL THEN
            outcome := 'accepted';
            used_today := used_today + 1;
            pending := pending + 1;
        END IF;
    END IF;

    -- An update seen before (Ingest re-read it after a restart) is a duplicate, whatever
    -- the quota says now.
    IF job_id IS NULL THEN
        SELECT j.id INTO job_id FROM jobs j WHERE j.update_id = p_update_id;
        IF FOUND THEN
            outcome := 'duplicate';
        END IF;
    END IF;
    IF job_id IS NOT NULL THEN
        -- Counting stops at 101 so a deep backlog does not make every enqueue slower.
        SELECT count(*) INTO queue_position FROM (
            SELECT 1 FROM jobs q WHERE q.state = 'queued' AND q.model = p_model AND q.id <= job_id LIMIT 101) ahead;
        -- Wake idle Renderers only when nothing due waits ahead: otherwise the job ahead
        -- was announced already and its claimer takes this one next (the poll covers the rest).
        IF outcome = 'accepted' AND NOT EXISTS (
            SELECT 1 FROM jobs q
             WHERE q.state = 'queued' AND q.model = p_model AND q.id < job_id AND q.scheduled_at <= now()) THEN
            PERFORM pg_notify(current_schema() || '.jobs_queued', p_model);
        END IF;
    END IF;
    RETURN NEXT;
END $$;

-- A failed render attempt: back to the queue after a backoff while attempts remain and
-- the error is retryable, else failed with a notice to the user. Only the lease holder
-- (owner + attempt) can fail a job; returns the new state, or nothing if not owned.
CREATE FUNCTION fail_render(
    p_job_id bigint, p_owner text, p_attempt integer, p_error text, p_retryable boolean,
    p_backoff interval
) RETURNS job_state LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    j jobs;
BEGIN
    UPDATE jobs SET
        state = CASE WHEN p_retryable AND attempt < max_attempts THEN 'queued' ELSE 'failed' END::job_state,
        scheduled_at = now() + p_backoff,
        failed_at = CASE WHEN p_retryable AND attempt < max_attempts THEN NULL ELSE now() END,
        lease_owner = NULL, lease_expires_at = NULL, progress_step = 0,
        errors = errors || jsonb_build_array(jsonb_build_object(
            'at', now(), 'stage', 'render', 'attempt', attempt, 'error', p_error, 'by', p_owner))
    WHERE id = p_job_id AND state = 'rendering' AND lease_owner = p_owner AND attempt = p_attempt
    RETURNING * INTO j;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF j.state = 'failed' THEN
        PERFORM notify_user_of_failure(j, p_error);
    END IF;
    RETURN j.state;
END $$;

-- The same for a failed delivery: back to 'rendered' after a backoff, or failed.
-- A permanent error (the user blocked the bot) fails at once and, having no chat to
-- write to, writes no notice.
CREATE FUNCTION fail_delivery(
    p_job_id bigint, p_owner text, p_attempt integer, p_error text, p_retryable boolean,
    p_backoff interval
) RETURNS job_state LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    j jobs;
BEGIN
    UPDATE jobs SET
        state = CASE WHEN p_retryable AND delivery_attempt < max_delivery_attempts
                     THEN 'rendered' ELSE 'failed' END::job_state,
        scheduled_at = now() + p_backoff,
        failed_at = CASE WHEN p_retryable AND delivery_attempt < max_delivery_attempts THEN NULL ELSE now() END,
        lease_owner = NULL, lease_expires_at = NULL,
        errors = errors || jsonb_build_array(jsonb_build_object(
            'at', now(), 'stage', 'deliver', 'attempt', delivery_attempt, 'error', p_error, 'by', p_owner))
    WHERE id = p_job_id AND state = 'delivering' AND lease_owner = p_owner AND delivery_attempt = p_attempt
    RETURNING * INTO j;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF j.state = 'failed' AND p_retryable THEN
        PERFORM notify_user_of_failure(j, p_error);
    END IF;
    RETURN j.state;
END $$;

CREATE FUNCTION notify_user_of_failure(j jobs, p_error text) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO outbox (chat_id, job_id, reply_to_message_id, language_code, kind, args)
    VALUES (j.chat_id, j.id, j.message_id, j.language_code, 'job_failed', jsonb_build_object('error', p_error));
$$;

-- The rescuer: leases that expired (a stage was killed or hung) go back to be tried
-- again, or to failed when no attempt is left. Rows are taken in id order, at most
-- p_limit per call, skipping rows another rescuer holds.
CREATE FUNCTION rescue_expired_leases(p_limit integer)
RETURNS TABLE (rescued_id bigint, rescued_table text, new_state text)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    j jobs;
BEGIN
    FOR j IN
        WITH stuck AS MATERIALIZED (
            SELECT id FROM jobs
             WHERE state IN ('rendering', 'delivering') AND lease_expires_at < now()
             ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED
        )
        UPDATE jobs SET
            state = CASE
                WHEN state = 'rendering' AND attempt < max_attempts THEN 'queued'
                WHEN state = 'delivering' AND delivery_attempt < max_delivery_attempts THEN 'rendered'
                ELSE 'failed' END::job_state,
            failed_at = CASE
                WHEN state = 'rendering' AND attempt < max_attempts THEN NULL
                WHEN state = 'delivering' AND delivery_attempt < max_delivery_attempts THEN NULL
                ELSE now() END,
            progress_step = CASE WHEN state = 'rendering' THEN 0 ELSE progress_step END,
            scheduled_at = now(),
            errors = errors || jsonb_build_array(jsonb_build_object(
                'at', now(),
                'stage', CASE WHEN state = 'rendering' THEN 'render' ELSE 'deliver' END,
                'attempt', CASE WHEN state = 'rendering' THEN attempt ELSE delivery_attempt END,
                'error', 'lease expired', 'by', lease_owner)),
            lease_owner = NULL, lease_expires_at = NULL
        FROM stuck WHERE jobs.id = stuck.id
        RETURNING jobs.*
    LOOP
        IF j.state = 'failed' THEN
            PERFORM notify_user_of_failure(j, 'lease expired');
        END IF;
        rescued_id := j.id; rescued_table := 'jobs'; new_state := j.state::text;
        RETURN NEXT;
    END LOOP;

    RETURN QUERY
        WITH stuck AS MATERIALIZED (
            SELECT id FROM outbox
             WHERE state = 'sending' AND lease_expires_at < now()
             ORDER BY id LIMIT p_limit FOR UPDATE SKIP LOCKED
        )
        UPDATE outbox SET
            state = CASE WHEN attempt < max_attempts THEN 'pending' ELSE 'failed' END::outbox_state,
            failed_at = CASE WHEN attempt < max_attempts THEN NULL ELSE now() END,
            scheduled_at = now(),
            errors = errors || jsonb_build_array(jsonb_build_object(
                'at', now(), 'attempt', attempt, 'error', 'lease expired', 'by', lease_owner)),
            lease_owner = NULL, lease_expires_at = NULL
        FROM stuck WHERE outbox.id = stuck.id
        RETURNING outbox.id, 'outbox'::text, outbox.state::text;
END $$;

-- Retention: blank the prompts (and drop any image bytes left) of finished jobs older
-- than p_older_than. Counts, hashes (prompt_sha256, image_sha256, image_bytes) and
-- timestamps stay for audits. Returns the number of jobs purged.
CREATE FUNCTION purge_prompts(p_older_than interval) RETURNS bigint
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH purged AS (
        UPDATE jobs SET prompt = '', negative_prompt = '', image_png = NULL, prompt_purged_at = now()
         WHERE created_at < now() - p_older_than
           AND prompt_purged_at IS NULL
           AND state IN ('delivered', 'failed', 'cancelled')
        RETURNING 1
    )
    SELECT count(*) FROM purged;
$$;
