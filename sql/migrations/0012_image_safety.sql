-- The image checker's verdicts and what was done with them. Every image a Renderer with a
-- safety checker makes is checked before its PNG is stored; a flagged one is blocked
-- (never stored or sent: the job fails with a notice, keeping only the image's hash),
-- sent behind Telegram's spoiler, or allowed — the Renderer's LIENZO_NSFW_POLICY, unless
-- the chat has a policy of its own below. Flagged jobs are purged like any other
-- (purge_prompts): the verdict and hash stay, the prompt goes.
ALTER TABLE jobs
    ADD COLUMN nsfw          boolean,  -- the checker's verdict; NULL: not checked
    ADD COLUMN nsfw_margin   real,     -- its largest concept score minus the threshold (> 0 flags)
    ADD COLUMN nsfw_action   text,     -- for a flagged image: blocked | spoiler | allowed
    ADD CONSTRAINT nsfw_action_known CHECK (nsfw_action IN ('blocked', 'spoiler', 'allowed')),
    ADD CONSTRAINT nsfw_action_only_when_flagged CHECK ((nsfw_action IS NOT NULL) = coalesce(nsfw, false));

-- Per-chat policies, which win over the Renderer's. E.g. stricter in every group the bot
-- has served (group chats have negative ids):
--   INSERT INTO chat_nsfw_policies (chat_id, policy, note)
--   SELECT DISTINCT chat_id, 'block', 'groups are strict' FROM jobs WHERE chat_id < 0
--   ON CONFLICT (chat_id) DO UPDATE SET policy = EXCLUDED.policy;
CREATE TABLE chat_nsfw_policies (
    chat_id  bigint PRIMARY KEY,
    policy   text NOT NULL CONSTRAINT chat_nsfw_policy_known CHECK (policy IN ('block', 'spoiler', 'allow')),
    note     text,
    set_at   timestamptz NOT NULL DEFAULT now()
);

-- Flagged images per user and day (UTC), whatever was done with them, for audits and bans:
--   UPDATE users SET banned = true, banned_reason = 'flagged images'
--    WHERE user_id IN (SELECT user_id FROM flagged_images_per_user_per_day
--                       WHERE day > now() - interval '7 days' GROUP BY user_id HAVING sum(flagged) >= 5);
CREATE VIEW flagged_images_per_user_per_day AS
SELECT date_trunc('day', coalesce(rendered_at, failed_at) AT TIME ZONE 'UTC') AS day, user_id,
       count(*) AS flagged,
       count(*) FILTER (WHERE nsfw_action = 'blocked') AS blocked,
       count(DISTINCT chat_id) AS chats,
       max(nsfw_margin) AS worst_margin
  FROM jobs
 WHERE nsfw
 GROUP BY 1, user_id;

CREATE INDEX jobs_flagged_idx ON jobs (user_id, failed_at) WHERE nsfw;

-- A preview is drawn before the image is checked: where a flagged image would not be
-- shown openly (a checker runs and the policy is not allow), previews go behind a spoiler.
ALTER TABLE job_previews ADD COLUMN spoiler boolean NOT NULL DEFAULT false;
