-- Quota settings (operators may also change these tables with plain SQL).

-- name: SetQuotaDefaults
UPDATE quota_defaults SET daily_limit = $1, max_queued = $2

-- name: SetUserQuota
-- $1 user, $2 daily limit or NULL (default), $3 max queued or NULL, $4 banned.
INSERT INTO users (user_id, daily_limit, max_queued, banned) VALUES ($1, $2, $3, $4)
ON CONFLICT (user_id) DO UPDATE
   SET daily_limit = EXCLUDED.daily_limit, max_queued = EXCLUDED.max_queued, banned = EXCLUDED.banned
