-- Today's users with the most prompts refused by prompt_rules, with their ban state.
SELECT r.user_id, r.refused, r.chats, r.rules, COALESCE(u.banned, false) AS banned
  FROM refused_prompts_per_user_per_day r
  LEFT JOIN users u USING (user_id)
 WHERE r.day = (now() AT TIME ZONE 'UTC')::date
 ORDER BY r.refused DESC
 LIMIT 50
