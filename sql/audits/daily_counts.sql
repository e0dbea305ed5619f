-- The day's use that the daily limit reads (user_daily_jobs, kept by enqueue_jobs and
-- the failure trigger) beside a count of the jobs themselves, per user, today (UTC).
-- `agrees` false would mean the kept count drifted (e.g. jobs edited by hand).
SELECT c.user_id, c.jobs AS kept, count(j.id) AS counted, c.jobs = count(j.id) AS agrees
  FROM user_daily_jobs c
  LEFT JOIN jobs j ON j.user_id = c.user_id AND j.state <> 'failed'
                  AND (j.created_at AT TIME ZONE 'UTC')::date = c.day
 WHERE c.day = (now() AT TIME ZONE 'UTC')::date
 GROUP BY c.user_id, c.jobs
 ORDER BY agrees, c.jobs DESC
