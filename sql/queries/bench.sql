-- Used by QueueBench only: a production work table carries history, and the planner's
-- statistics come from it. The benchmark seeds that much before it measures, so its
-- plans are those of a table in service rather than of a table that was just created.

-- name: SeedBenchHistory
-- $1 delivered jobs, created two days ago (outside today's quotas).
INSERT INTO jobs (update_id, chat_id, user_id, prompt, prompt_sha256, model, width, height, steps, guidance,
                  seed, sampler, state, attempt, delivery_attempt, created_at, render_started_at, rendered_at,
                  delivery_started_at, delivered_at, telegram_message_id, image_sha256, image_bytes)
SELECT -g, g % 500, g % 500, 'history', sha256('history'), 'bench', 512, 512, 20, 7.5,
       g, 'euler', 'delivered', 1, 1, now() - interval '2 days', now() - interval '2 days', now() - interval '2 days',
       now() - interval '2 days', now() - interval '2 days', g, sha256('png'), 3
  FROM generate_series(1, $1::integer) AS g

-- name: AnalyzeBenchTables
-- Vacuumed too, as autovacuum keeps a table in service: the visibility map is what
-- makes index-only scans the cheaper plan.
VACUUM ANALYZE jobs, outbox, users

-- name: BackendPID
-- The server process of this connection, whose CPU time QueueBench --phases reads.
SELECT pg_backend_pid() AS pid
