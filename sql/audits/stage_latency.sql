-- p50/p90/p99 seconds per stage over the last 24 hours (a row per stage with data;
-- the union keeps one line even on an idle day).
SELECT stage, jobs, p50_seconds, p90_seconds, p99_seconds, max_seconds FROM stage_latency
UNION ALL
SELECT 'jobs_created_24h', count(*), NULL, NULL, NULL, NULL FROM jobs WHERE created_at > now() - interval '24 hours'
