-- Used by the Migrator. The schema name is passed as a parameter and quoted by
-- format('%I'), never spliced from Swift.

-- name: LockMigrations
SELECT pg_advisory_lock(hashtext('lienzo.migrations:' || $1))

-- name: UnlockMigrations
SELECT pg_advisory_unlock(hashtext('lienzo.migrations:' || $1))

-- name: CreateMigrationsTable
DO $$
BEGIN
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I', current_setting('lienzo.schema'));
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I.schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        checksum    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now())', current_setting('lienzo.schema'));
END $$

-- name: AppliedMigrations
SELECT version, name, checksum FROM schema_migrations ORDER BY version

-- name: RecordMigration
INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)
