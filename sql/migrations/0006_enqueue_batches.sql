-- Enqueue a batch of requests in one call. getUpdates hands Ingest up to 100 updates
-- at a time; enqueue_job() took one request per call, and its seven statements per
-- request (lock, user, defaults, two quota counts, insert, position) cost about 250 µs
-- of server time, half of everything a job costs the queue. enqueue_jobs() takes the
-- requests as parallel arrays and answers all of them in a fixed number of statements,
-- whatever the batch size. A single request is a batch of one, so there is one
-- implementation of the quota rules (enqueue_job(), at the end, is such a call).
--
-- The rules are enqueue_job()'s, request by request in array order:
--   * an update_id seen before (in jobs, or earlier in the same batch) is a duplicate
--     and counts against nothing;
--   * a banned user is refused; otherwise a request is accepted while the user's jobs
--     today (user_daily_jobs, below) stay within daily_limit and their queued + rendering jobs within
--     max_queued, counting the requests accepted before it in the batch.
-- Because both counts only grow as requests are accepted, the k-th new request of a
-- user is accepted exactly when k <= least(daily_limit - used_today, max_queued -
-- pending): the whole decision is one window function.

-- The two partial indexes over queued jobs had the same predicate, so any query about
-- queued jobs could use either. With the statistics of a table whose queue was empty
-- when it was analyzed, both look empty and cost the same, and the generic plan of
-- the quota count picked the model's queue index and walked every queued job of every
-- user, filtering on user_id: 270 µs per request with 1,800 jobs queued. Each now
-- names its key column in its predicate, which only a query that constrains that
-- column implies, so a count of a user's jobs cannot use the model's index and a claim
-- cannot use the user's.
DROP INDEX jobs_queued_idx;
CREATE INDEX jobs_queued_idx ON jobs (model, id) WHERE state = 'queued' AND model IS NOT NULL;
DROP INDEX jobs_queued_user_idx;
CREATE INDEX jobs_queued_user_idx ON jobs (user_id) WHERE state = 'queued' AND user_id IS NOT NULL;

-- Jobs each user made each UTC day, failed ones excepted: the daily limit's count.
-- Counting the user's jobs of the day read every row version of every one of them
-- (a job leaves five), so the quota check grew with the day's use: at 120 jobs a user
-- it was 200 µs a request, more than the rest of the enqueue. enqueue_jobs() adds the
-- jobs it inserts, and a job that fails gives its slot back (the trigger below). The
-- audit view jobs_per_user_per_day still counts the jobs themselves.
CREATE TABLE user_daily_jobs (
    user_id  bigint NOT NULL,
    day      date NOT NULL,
    jobs     integer NOT NULL CONSTRAINT user_daily_jobs_non_negative CHECK (jobs >= 0),
    PRIMARY KEY (user_id, day)
);
INSERT INTO user_daily_jobs (user_id, day, jobs)
SELECT user_id, (created_at AT TIME ZONE 'UTC')::date, count(*)
  FROM jobs WHERE state <> 'failed'
 GROUP BY 1, 2;

CREATE FUNCTION uncount_failed_job() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE user_daily_jobs SET jobs = jobs - 1
     WHERE user_id = NEW.user_id AND day = (NEW.created_at AT TIME ZONE 'UTC')::date AND jobs > 0;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_uncount_failed
    AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.state = 'failed' AND OLD.state <> 'failed')
    EXECUTE FUNCTION uncount_failed_job();

CREATE FUNCTION enqueue_jobs(
    p_update_ids bigint[], p_chat_ids bigint[], p_user_ids bigint[], p_message_ids bigint[], p_language_codes text[],
    p_prompts text[], p_negative_prompts text[], p_models text[], p_widths integer[], p_heights integer[],
    p_steps integer[], p_guidances real[], p_seeds bigint[], p_samplers text[], p_max_attempts integer[]
) RETURNS TABLE (
    request integer,         -- 1-based position of the request in the arrays
    outcome text,            -- accepted | duplicate | banned | daily_limit | queue_full
    job_id bigint,
    queue_position bigint,   -- 1 = next to render; 101 = more than 100 ahead
    used_today integer,
    daily_limit integer,
    pending integer,
    max_queued integer
) LANGUAGE plpgsql SET search_path FROM CURRENT
  -- Generic plans: a custom plan looks cheaper for the quota counts and would be made
  -- again on every call. No JIT: the generic plan's estimates (a row per user of
  -- quota_defaults' 2,200 guessed rows) cross jit_above_cost, and compiling took
  -- 60 ms per call for a statement that runs in well under one.
  SET plan_cache_mode = force_generic_plan SET jit = off AS $$
#variable_conflict use_column
DECLARE
    v_day date := (now() AT TIME ZONE 'UTC')::date;
    r record;
BEGIN
    -- Concurrent requests of one user serialize on a transaction-scoped advisory lock
    -- (keyed by schema and a hash of the user), so they cannot both slip past a limit.
    -- A batch takes its locks in the order of their keys, so two batches cannot deadlock
    -- (not in user order: two users' hashes can collide, in either order).
    PERFORM pg_advisory_xact_lock(hashtext(current_schema() || '.enqueue_job'), user_key)
       FROM (SELECT DISTINCT hashint8(batch_user) AS user_key FROM unnest(p_user_ids) AS batch_user
              ORDER BY user_key) batch_keys;
    -- The statement below starts after the locks are held, so its snapshot sees every
    -- job an earlier holder of a lock committed.
    FOR r IN
        WITH req AS MATERIALIZED (
            SELECT *
              FROM unnest(p_update_ids, p_chat_ids, p_user_ids, p_message_ids, p_language_codes, p_prompts,
                          p_negative_prompts, p_models, p_widths, p_heights, p_steps, p_guidances, p_seeds,
                          p_samplers, p_max_attempts)
                   WITH ORDINALITY AS req(update_id, chat_id, user_id, message_id, language_code, prompt,
                                          negative_prompt, model, width, height, steps, guidance, seed,
                                          sampler, max_attempts, n)
        ), seen AS MATERIALIZED (
            SELECT req.n, j.id AS job_id FROM req JOIN jobs j ON j.update_id = req.update_id
        ), fresh AS MATERIALIZED (
            -- New updates, each at its first place in the batch.
            SELECT DISTINCT ON (req.update_id) req.*
              FROM req
             WHERE NOT EXISTS (SELECT 1 FROM seen WHERE seen.n = req.n)
             ORDER BY req.update_id, req.n
        ), quota AS MATERIALIZED (
            -- The day's count, and two index scans, neither of which reads the user's
            -- history: the queued jobs, and the leased jobs (a few per stage) for the
            -- ones rendering. A user seen for the first time has the defaults.
            SELECT b.user_id, u.user_id IS NULL AS unknown, COALESCE(u.banned, false) AS banned,
                   COALESCE(u.daily_limit, d.daily_limit) AS daily_limit,
                   COALESCE(u.max_queued, d.max_queued) AS max_queued,
                   COALESCE((SELECT c.jobs FROM user_daily_jobs c WHERE c.user_id = b.user_id AND c.day = v_day), 0) AS used,
                   ((SELECT count(*) FROM jobs j WHERE j.user_id = b.user_id AND j.state = 'queued')
                    + (SELECT count(*) FROM jobs j
                        WHERE j.lease_expires_at IS NOT NULL AND j.state = 'rendering' AND j.user_id = b.user_id))::integer AS pending
              FROM (SELECT DISTINCT fresh.user_id FROM fresh) b
              LEFT JOIN users u ON u.user_id = b.user_id
             CROSS JOIN quota_defaults d
        ), new_users AS (
            -- Part of this statement rather than one of its own: a statement that
            -- usually inserts nothing cost as much as the rest of the quota check.
            INSERT INTO users (user_id, language_code)
            SELECT DISTINCT ON (f.user_id) f.user_id, f.language_code
              FROM fresh f JOIN quota q ON q.user_id = f.user_id
             WHERE q.unknown
             ORDER BY f.user_id, f.n
            ON CONFLICT (user_id) DO NOTHING
        ), ranked AS MATERIALIZED (
            SELECT f.*, q.banned, q.daily_limit, q.max_queued, q.used, q.pending,
                   row_number() OVER (PARTITION BY f.user_id ORDER BY f.n)::integer AS k,
                   CASE WHEN q.banned THEN 0
                        ELSE greatest(0, least(q.daily_limit - q.used, q.max_queued - q.pending)) END AS room
              FROM fresh f JOIN quota q ON q.user_id = f.user_id
        ), inserted AS (
            INSERT INTO jobs (update_id, chat_id, user_id, message_id, language_code,
                              prompt, negative_prompt, prompt_sha256, model, width, height,
                              steps, guidance, seed, sampler, max_attempts)
            SELECT update_id, chat_id, user_id, message_id, language_code,
                   prompt, negative_prompt, sha256(convert_to(prompt, 'UTF8')), model, width, height,
                   steps, guidance, seed, sampler, max_attempts
              FROM ranked WHERE k <= room
             ORDER BY n
            ON CONFLICT (update_id) DO NOTHING
            RETURNING id, update_id
        ), counted AS (
            INSERT INTO user_daily_jobs AS c (user_id, day, jobs)
            SELECT ranked.user_id, v_day, count(*)::integer
              FROM inserted JOIN ranked ON ranked.update_id = inserted.update_id
             GROUP BY ranked.user_id
            ON CONFLICT (user_id, day) DO UPDATE SET jobs = c.jobs + EXCLUDED.jobs
        ), waiting AS MATERIALIZED (
            -- Per model: the queued jobs already waiting (counting stops at 101, so a deep
            -- backlog does not make every enqueue slower) and whether one of them is due.
            SELECT m.model, w.jobs AS ahead, w.due
              FROM (SELECT DISTINCT ranked.model FROM ranked WHERE k <= room) m,
              LATERAL (SELECT count(*) AS jobs, COALESCE(bool_or(q.scheduled_at <= now()), false) AS due
                         FROM (SELECT q.scheduled_at FROM jobs q
                                WHERE q.state = 'queued' AND q.model = m.model
                                ORDER BY q.id LIMIT 101) q) w
        ), accepted AS (
            SELECT ranked.n, ranked.update_id, ranked.model, i.id,
                   row_number() OVER (PARTITION BY ranked.model ORDER BY i.id) AS behind
              FROM ranked JOIN inserted i ON i.update_id = ranked.update_id
        )
        SELECT req.n::integer AS n, req.update_id, req.model,
               CASE WHEN s.job_id IS NOT NULL THEN 'duplicate'
                    WHEN a.n = req.n THEN 'accepted'
                    -- A repeat of an update accepted earlier in the batch, or one a
                    -- concurrent transaction inserted first.
                    WHEN a.id IS NOT NULL OR rk.k <= rk.room THEN 'duplicate'
                    WHEN rk.banned THEN 'banned'
                    WHEN rk.used + rk.room >= rk.daily_limit THEN 'daily_limit'
                    ELSE 'queue_full' END AS outcome,
               CASE WHEN a.n = req.n THEN a.id ELSE s.job_id END AS job_id,
               CASE WHEN a.n = req.n THEN least(101, w.ahead + a.behind) END AS queue_position,
               -- Idle Renderers are woken only when no due job waits ahead of the batch's
               -- first job of a model: otherwise that job was announced already and its
               -- claimer takes these next (the poll covers the rest).
               COALESCE(a.n = req.n AND a.behind = 1 AND NOT w.due, false) AS wake,
               rk.used + CASE WHEN a.n = req.n THEN rk.k ELSE rk.room END AS used_today,
               rk.daily_limit,
               rk.pending + CASE WHEN a.n = req.n THEN rk.k ELSE rk.room END AS pending,
               rk.max_queued
          FROM req
          LEFT JOIN seen s ON s.n = req.n
          LEFT JOIN ranked rk ON rk.update_id = req.update_id
          LEFT JOIN accepted a ON a.update_id = req.update_id
          LEFT JOIN waiting w ON w.model = a.model
         ORDER BY req.n
    LOOP
        request := r.n; outcome := r.outcome; job_id := r.job_id;
        used_today := r.used_today; daily_limit := r.daily_limit; pending := r.pending; max_queued := r.max_queued;
        queue_position := r.queue_position;
        IF r.wake THEN
            PERFORM pg_notify(current_schema() || '.jobs_queued', r.model);
        END IF;
        IF outcome = 'duplicate' THEN
            -- Enqueued earlier in this batch, or by a transaction that committed while
            -- this one waited on its insert: a statement of its own sees it.
            IF job_id IS NULL THEN
                SELECT j.id INTO job_id FROM jobs j WHERE j.update_id = r.update_id;
            END IF;
            SELECT count(*) INTO queue_position
              FROM (SELECT 1 FROM jobs q
                     WHERE q.state = 'queued' AND q.model = r.model AND q.id <= job_id
                     LIMIT 101) ahead;
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;

-- enqueue_job() stays for one release, as a run of one: stages migrate as they start, one
-- at a time, and an Ingest of the previous version still calls it until it restarts.
CREATE OR REPLACE FUNCTION enqueue_job(
    p_update_id bigint, p_chat_id bigint, p_user_id bigint, p_message_id bigint, p_language_code text,
    p_prompt text, p_negative_prompt text, p_model text, p_width integer, p_height integer,
    p_steps integer, p_guidance real, p_seed bigint, p_sampler text, p_max_attempts integer
) RETURNS TABLE (
    outcome text, job_id bigint, queue_position bigint, used_today integer, daily_limit integer,
    pending integer, max_queued integer
) LANGUAGE sql SET search_path FROM CURRENT AS $$
    SELECT outcome, job_id, queue_position, used_today, daily_limit, pending, max_queued
      FROM enqueue_jobs(ARRAY[p_update_id], ARRAY[p_chat_id], ARRAY[p_user_id], ARRAY[p_message_id],
                        ARRAY[p_language_code], ARRAY[p_prompt], ARRAY[p_negative_prompt], ARRAY[p_model],
                        ARRAY[p_width], ARRAY[p_height], ARRAY[p_steps], ARRAY[p_guidance], ARRAY[p_seed],
                        ARRAY[p_sampler], ARRAY[p_max_attempts]);
$$;
