-- Views for operators (plain SQL; examples in README.md and sql/audits/).

-- Requests per user per UTC day, by outcome.
CREATE VIEW jobs_per_user_per_day AS
SELECT user_id,
       (created_at AT TIME ZONE 'UTC')::date AS day,
       count(*) AS requested,
       count(*) FILTER (WHERE state = 'delivered') AS delivered,
       count(*) FILTER (WHERE state = 'failed') AS failed,
       count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
       count(*) FILTER (WHERE state IN ('queued', 'rendering', 'rendered', 'delivering')) AS in_progress
  FROM jobs
 GROUP BY user_id, day;

-- How many jobs wait in each state, and for how long the oldest has waited.
CREATE VIEW queue_depth AS
SELECT s.state,
       count(j.id) AS jobs,
       max(now() - j.created_at) AS oldest_age
  FROM unnest(enum_range(NULL::job_state)) AS s(state)
  LEFT JOIN jobs j ON j.state = s.state
 GROUP BY s.state
 ORDER BY s.state;

-- Latency percentiles per stage over the jobs created in the last 24 hours:
-- queued→rendered (waiting + rendering), rendered→delivered, and end to end.
CREATE VIEW stage_latency AS
WITH spans AS (
    SELECT 'queued_to_rendered' AS stage, extract(epoch FROM rendered_at - created_at) AS seconds
      FROM jobs WHERE rendered_at IS NOT NULL AND created_at > now() - interval '24 hours'
    UNION ALL
    SELECT 'rendered_to_delivered', extract(epoch FROM delivered_at - rendered_at)
      FROM jobs WHERE delivered_at IS NOT NULL AND created_at > now() - interval '24 hours'
    UNION ALL
    SELECT 'queued_to_delivered', extract(epoch FROM delivered_at - created_at)
      FROM jobs WHERE delivered_at IS NOT NULL AND created_at > now() - interval '24 hours'
)
SELECT stage,
       count(*) AS jobs,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50_seconds,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90_seconds,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY seconds) AS p99_seconds,
       max(seconds) AS max_seconds
  FROM spans
 GROUP BY stage;

-- Every recorded error (each retry included), grouped by stage and message.
CREATE VIEW failures_by_error AS
SELECT e->>'stage' AS stage,
       e->>'error' AS error,
       count(*) AS occurrences,
       count(DISTINCT j.id) AS jobs,
       count(DISTINCT j.id) FILTER (WHERE j.state = 'failed') AS jobs_failed,
       max((e->>'at')::timestamptz) AS last_seen
  FROM jobs j, jsonb_array_elements(j.errors) AS e
 GROUP BY 1, 2
 ORDER BY occurrences DESC;
