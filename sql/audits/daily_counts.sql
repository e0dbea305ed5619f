-- The day's use that the daily limit reads (user_daily_jobs, kept by enqueue_jobs and
-- the failure trigger) beside a count of the jobs themselves, per user, today (UTC).
-- `agrees` false means the kept count drifted, e.g. after jobs were edited or deleted
-- by hand; fix it with an UPDATE of user_daily_jobs from the counted value.
WITH today AS (SELECT (now() AT TIME ZONE 'UTC')::date AS day),
kept AS (
    SELECT c.user_id, c.jobs FROM user_daily_jobs c, today WHERE c.day = today.day
), counted AS (
    SELECT j.user_id, count(*) AS jobs FROM jobs j, today
     WHERE j.state <> 'failed' AND (j.created_at AT TIME ZONE 'UTC')::date = today.day
     GROUP BY j.user_id
)
SELECT COALESCE(kept.user_id, counted.user_id) AS user_id,
       COALESCE(kept.jobs, 0) AS kept, COALESCE(counted.jobs, 0) AS counted,
       COALESCE(kept.jobs, 0) = COALESCE(counted.jobs, 0) AS agrees
  FROM kept FULL JOIN counted ON counted.user_id = kept.user_id
 ORDER BY agrees, kept DESC
