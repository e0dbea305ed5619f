-- Operators in the chat, and private deployments.
--
--   * Admin commands. The Telegram users listed in Ingest's LIENZO_ADMINS may type /stats,
--     /ban, /unban and /quota <user> <daily> <pending>. Bans and limits are the `users`
--     columns of 0001 (the same ones plain SQL sets); every act, /stats included, is a
--     row of admin_actions below, written in the transaction of the command's update.
--   * LIENZO_ACCESS=allowlist: only the users and chats listed in access_allowlist (and
--     the admins) may use the bot; the others are told it is private.

-- Who did what to whom, oldest first. Nothing the users typed: `args` holds the numbers
-- a command set and the reason an operator gave for a ban. /forget leaves these rows
-- (they record the operator's act, not the user's data).
CREATE TABLE admin_actions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    admin_user_id   bigint NOT NULL,
    action          text NOT NULL CONSTRAINT admin_action_known CHECK (action IN ('stats', 'ban', 'unban', 'quota')),
    target_user_id  bigint,                 -- NULL for /stats
    args            jsonb NOT NULL DEFAULT '{}' CONSTRAINT admin_action_args_is_object CHECK (jsonb_typeof(args) = 'object'),
    chat_id         bigint NOT NULL,        -- where the command was typed
    update_id       bigint NOT NULL,        -- its telegram_updates row

    CONSTRAINT admin_action_names_its_target CHECK ((action = 'stats') = (target_user_id IS NULL))
);
CREATE INDEX admin_actions_target_idx ON admin_actions (target_user_id, at) WHERE target_user_id IS NOT NULL;

-- Who may use a private deployment (LIENZO_ACCESS=allowlist): a user wherever they write,
-- or everyone in a chat (a group's id is negative). E.g.
--   INSERT INTO access_allowlist (subject, id, note) VALUES ('user', 123456789, 'Ana'), ('chat', -1001234567890, 'the studio');
-- Read on every message, so a row added or deleted is in force at once.
CREATE TABLE access_allowlist (
    subject   text NOT NULL CONSTRAINT access_subject_known CHECK (subject IN ('user', 'chat')),
    id        bigint NOT NULL,
    note      text,
    added_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, id)
);
