-- The most frequent errors, and how many jobs each finally failed (one summary row
-- first, so the query always answers).
SELECT 'all' AS stage, 'jobs failed' AS error, count(*) AS occurrences, NULL::timestamptz AS last_seen
  FROM jobs WHERE state = 'failed'
UNION ALL
(SELECT stage, error, occurrences, last_seen FROM failures_by_error ORDER BY occurrences DESC LIMIT 20)
