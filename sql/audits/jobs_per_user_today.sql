-- Today's heaviest users, with their effective limits.
SELECT d.user_id, d.requested, d.delivered, d.failed, d.cancelled,
       COALESCE(u.daily_limit, q.daily_limit) AS daily_limit, COALESCE(u.banned, false) AS banned
  FROM jobs_per_user_per_day d
  LEFT JOIN users u USING (user_id)
 CROSS JOIN quota_defaults q
 WHERE d.day = (now() AT TIME ZONE 'UTC')::date
 ORDER BY d.requested DESC
 LIMIT 50
