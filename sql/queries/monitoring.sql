-- What the metrics read from the database (Deliver's QueueGaugeService).

-- name: QueueGauges
-- Unfinished jobs per state and model, and how many seconds the oldest queued job of each
-- model has waited since it was queued (0 when none). Every unfinished state of every
-- model with a published profile or an unfinished job has a row, 0 where nothing is.
-- Finished states are left out: counting them would read the whole table, which only
-- grows. Each arm reads only its own state's rows, through the partial index its WHERE
-- matches (jobs_queued_idx wants model IS NOT NULL, jobs_leased_idx lease_expires_at IS
-- NOT NULL, both always true there), so the cost follows the unfinished rows, not the
-- table: 0.4 ms beside a million delivered rows, where one `state IN (…)` scan took 140.
WITH open AS (
    SELECT 'queued'::job_state AS state, model, count(*) AS jobs,
           extract(epoch FROM now() - min(created_at)) AS oldest_seconds
      FROM jobs WHERE state = 'queued' AND model IS NOT NULL GROUP BY model
    UNION ALL
    SELECT state, model, count(*), NULL FROM jobs
     WHERE state IN ('rendering', 'delivering') AND lease_expires_at IS NOT NULL GROUP BY state, model
    UNION ALL
    SELECT 'rendered', model, count(*), NULL FROM jobs WHERE state = 'rendered' GROUP BY model
)
SELECT s.state, m.model, COALESCE(o.jobs, 0)::integer AS jobs,
       COALESCE(o.oldest_seconds, 0)::float8 AS oldest_seconds
  FROM unnest('{queued,rendering,rendered,delivering}'::job_state[]) AS s(state)
 CROSS JOIN (SELECT model FROM model_profiles UNION SELECT model FROM open) m
  LEFT JOIN open o ON o.state = s.state AND o.model = m.model
 ORDER BY m.model, s.state
