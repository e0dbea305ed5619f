-- Leased jobs and outbox rows whose lease has expired (the rescuer should pick these
-- up within seconds), plus a total so the query always answers.
SELECT 'jobs' AS source, id, state::text, lease_owner, lease_expires_at FROM jobs
 WHERE state IN ('rendering', 'delivering') AND lease_expires_at < now()
UNION ALL
SELECT 'outbox', id, state::text, lease_owner, lease_expires_at FROM outbox
 WHERE state = 'sending' AND lease_expires_at < now()
UNION ALL
SELECT 'total_leased', count(*), NULL, NULL, NULL FROM jobs WHERE state IN ('rendering', 'delivering')
