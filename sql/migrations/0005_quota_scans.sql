-- The quota check of enqueue_job() read the user's whole history on every request:
-- its `created_at >= today OR state IN ('queued', 'rendering')` can only be answered
-- from jobs_user_created_idx by walking every job the user ever made. With 50,000 jobs
-- of history in the queue benchmark that was a quarter of the server's time per job.
-- The count is now split into scans that each have an index of their own.

-- A user's queued jobs. Its predicate names 'queued' only, so no statement about
-- rendering jobs (FinishRenders, heartbeats) can be planned onto it: a partial index
-- over the unfinished states was once chosen for FinishRenders and walked every
-- unfinished job of every user (see 0004). Rendering jobs are counted through
-- jobs_leased_idx instead.
CREATE INDEX jobs_queued_user_idx ON jobs (user_id) WHERE state = 'queued';

-- Unchanged but for the user lock, the quota counts, one walk for the position and the
-- wake-up check, and the plan cache mode.
CREATE OR REPLACE FUNCTION enqueue_job(
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
) LANGUAGE plpgsql SET search_path FROM CURRENT
  -- Generic plans: with the default the quota count was planned again on every call
  -- (its custom plan looked cheaper), a sixth of the function's time.
  SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_column
DECLARE
    u users;
    d quota_defaults;
    v_day_start timestamptz := date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    v_due_ahead boolean;
BEGIN
    -- Concurrent requests of one user serialize on a transaction-scoped advisory lock
    -- (keyed by schema and user), so they cannot both slip past a limit. It replaces
    -- a row lock on users, which wrote to the users page on every request.
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.enqueue_job'), hashint8(p_user_id));
    SELECT * INTO u FROM users WHERE user_id = p_user_id;
    IF NOT FOUND THEN
        INSERT INTO users (user_id, language_code) VALUES (p_user_id, p_language_code)
        ON CONFLICT (user_id) DO NOTHING;
        SELECT * INTO u FROM users WHERE user_id = p_user_id;
    END IF;
    SELECT * INTO d FROM quota_defaults;
    daily_limit := COALESCE(u.daily_limit, d.daily_limit);
    max_queued := COALESCE(u.max_queued, d.max_queued);

    -- Three index scans, none of which reads the user's history: today's jobs (about
    -- daily_limit rows at most), the user's queued jobs, and the leased jobs (a few per
    -- stage process) for the ones rendering.
    SELECT count(*) INTO used_today FROM jobs j
     WHERE j.user_id = p_user_id AND j.created_at >= v_day_start AND j.state <> 'failed';
    SELECT (SELECT count(*) FROM jobs j WHERE j.user_id = p_user_id AND j.state = 'queued')
         + (SELECT count(*) FROM jobs j
             WHERE j.lease_expires_at IS NOT NULL AND j.state = 'rendering' AND j.user_id = p_user_id)
      INTO pending;

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
        -- One walk of the model's queued jobs up to this one gives the position
        -- (counting stops at 101 so a deep backlog does not make every enqueue slower)
        -- and whether a due job waits ahead. Idle Renderers are woken only when none
        -- does: otherwise the job ahead was announced already and its claimer takes this
        -- one next (the poll covers the rest).
        SELECT count(*), COALESCE(bool_or(ahead.id < enqueue_job.job_id AND ahead.scheduled_at <= now()), false)
          INTO queue_position, v_due_ahead
          FROM (SELECT q.id, q.scheduled_at FROM jobs q
                 WHERE q.state = 'queued' AND q.model = p_model AND q.id <= enqueue_job.job_id
                 ORDER BY q.id LIMIT 101) ahead;
        IF outcome = 'accepted' AND NOT v_due_ahead THEN
            PERFORM pg_notify(current_schema() || '.jobs_queued', p_model);
        END IF;
    END IF;
    RETURN NEXT;
END $$;
