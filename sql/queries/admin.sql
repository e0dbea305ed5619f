-- Operators in the chat (sql/migrations/0014_admin.sql): /stats, /ban, /unban, /quota
-- and their audit rows, and the allowlist of a private deployment. Each runs in the
-- transaction of the command's update.

-- name: AdminStats
-- One row for /stats. The unfinished states are counted through their partial indexes;
-- the throughput and today's failures scan `jobs` (no index leads with a timestamp), a
-- cost paid only when an operator asks.
SELECT (SELECT count(*) FROM jobs WHERE state = 'queued')::integer AS queued,
       (SELECT count(*) FROM jobs WHERE state = 'rendering')::integer AS rendering,
       (SELECT count(*) FROM jobs WHERE state = 'rendered')::integer AS rendered,
       (SELECT count(*) FROM jobs WHERE state = 'delivering')::integer AS delivering,
       COALESCE((SELECT extract(epoch FROM now() - min(created_at)) FROM jobs WHERE state = 'queued'), 0)::integer
           AS oldest_queued_seconds,
       recent.delivered_last_hour, recent.delivered_last_day, recent.failed_today,
       (SELECT count(*) FROM user_daily_jobs WHERE day = (now() AT TIME ZONE 'UTC')::date)::integer AS users_today
  FROM (SELECT count(*) FILTER (WHERE delivered_at > now() - interval '1 hour')::integer AS delivered_last_hour,
               count(*) FILTER (WHERE delivered_at > now() - interval '1 day')::integer AS delivered_last_day,
               count(*) FILTER (WHERE state = 'failed'
                                  AND failed_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')::integer
                   AS failed_today
          FROM jobs
         WHERE delivered_at > now() - interval '1 day' OR failed_at > now() - interval '1 day') recent

-- name: BanUser
-- $1 user, $2 reason (or NULL). The same columns as an operator's SQL ban (README);
-- was_banned tells a repeated /ban apart.
WITH before AS (SELECT banned FROM users WHERE user_id = $1),
     banned AS (
        INSERT INTO users (user_id, banned, banned_reason) VALUES ($1, true, $2)
        ON CONFLICT (user_id) DO UPDATE SET banned = true, banned_reason = EXCLUDED.banned_reason
        RETURNING user_id)
SELECT COALESCE((SELECT banned FROM before), false) AS was_banned

-- name: UnbanUser
-- $1 user; was_banned is false when there was no ban to lift.
WITH unbanned AS (
    UPDATE users SET banned = false, banned_reason = NULL WHERE user_id = $1 AND banned RETURNING user_id)
SELECT EXISTS (SELECT 1 FROM unbanned) AS was_banned

-- name: SetUserLimits
-- $1 user, $2 daily limit, $3 most waiting at once (NULL: quota_defaults'). A ban stays.
INSERT INTO users (user_id, daily_limit, max_queued) VALUES ($1, $2, $3)
ON CONFLICT (user_id) DO UPDATE SET daily_limit = EXCLUDED.daily_limit, max_queued = EXCLUDED.max_queued

-- name: RecordAdminAction
-- $1 admin, $2 action, $3 target (NULL for stats), $4 args (JSON object), $5 chat, $6 update.
INSERT INTO admin_actions (admin_user_id, action, target_user_id, args, chat_id, update_id)
VALUES ($1, $2, $3, $4::jsonb, $5, $6)

-- name: IsAllowed
-- LIENZO_ACCESS=allowlist: may user $1 use the bot in chat $2?
SELECT EXISTS (SELECT 1 FROM access_allowlist
                WHERE (subject = 'user' AND id = $1) OR (subject = 'chat' AND id = $2)) AS allowed
