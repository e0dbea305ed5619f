-- enqueue_job(), the one-request wrapper around enqueue_jobs() that 0006 kept "for one
-- release" so that an Ingest of the first wave could go on calling it until it restarted,
-- goes now, as 0006 scheduled: every Ingest since calls enqueue_jobs(). An Ingest of the
-- first wave must be stopped before this migration runs (any later stage migrates first).
DROP FUNCTION enqueue_job(
    bigint, bigint, bigint, bigint, text, text, text, text, integer, integer, integer, real, bigint, text, integer);
