-- Run once on every new connection: put the configured schema first on search_path,
-- remember it for migrations, and read and write timestamps in UTC.

-- name: ConfigureSession
SELECT set_config('search_path', format('%I', $1::text), false),
       set_config('lienzo.schema', $1::text, false),
       set_config('TimeZone', 'UTC', false)
