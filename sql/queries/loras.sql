-- The LoRAs a Renderer offers (sql/migrations/0008_loras.sql): published by the
-- Renderer, read by Ingest.

-- name: LockLoras
-- First statement of a publish's transaction: publishes of one model take turns, so two
-- Renderers starting together cannot deadlock on each other's rows, and the second
-- sees the first one's list. $1 model.
SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.loras'), hashtext($1))

-- name: PublishLoras
-- Makes $2 the model's list: upserts every entry (keeping an existing row's hidden
-- flag) and deletes the model's rows it does not name. Other models' rows are left
-- alone. $1 model; parallel arrays: $2 names, $3 descriptions, $4 short hashes. A name
-- listed twice keeps its first entry (ON CONFLICT may touch a row only once).
WITH published AS (
    SELECT DISTINCT ON (p.name) p.name, p.description, p.short_hash
      FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS p(name, description, short_hash, position)
     ORDER BY p.name, p.position
), upserted AS (
    INSERT INTO loras (model, name, description, short_hash)
    SELECT $1, name, description, short_hash FROM published
    ON CONFLICT (model, name) DO UPDATE
       SET description = EXCLUDED.description, short_hash = EXCLUDED.short_hash, published_at = now()
)
DELETE FROM loras l
 WHERE l.model = $1 AND l.name <> ALL ($2::text[])

-- name: VisibleLoras
-- What Ingest accepts in <lora:…> tags and /styles lists. $1 model.
SELECT name, description, short_hash FROM loras
 WHERE model = $1 AND NOT hidden
 ORDER BY name
