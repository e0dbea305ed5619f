-- Telegram bookkeeping for Ingest and Deliver: which updates were handled, where the
-- long poll stands, which chats cannot be written to, and what each job's status
-- message shows.

-- One row per update Ingest handled, written in the same transaction as the update's
-- effect (a job, outbox rows). A re-read update (Ingest killed before the offset moved
-- on) finds its row and does nothing. No text of the update is kept here.
CREATE TABLE telegram_updates (
    update_id     bigint PRIMARY KEY,
    kind          text NOT NULL,          -- message | edited_message | callback_query | unknown
    chat_id       bigint,
    user_id       bigint,
    outcome       text NOT NULL,          -- what Ingest did, e.g. 'enqueued', 'rejected:steps', 'ignored'
    processed_at  timestamptz NOT NULL DEFAULT now()
);

-- The getUpdates offset (one more than the highest update handled), per bot. Telegram
-- also remembers it once confirmed; keeping it here lets a restarted Ingest confirm
-- updates it committed but never acknowledged.
CREATE TABLE telegram_offsets (
    bot_id       bigint PRIMARY KEY,
    next_offset  bigint NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Chats Deliver must not write to: 403 (blocked, kicked) makes a chat undeliverable
-- until the user writes again; a group that became a supergroup points to it.
CREATE TABLE telegram_chats (
    chat_id                bigint PRIMARY KEY,
    undeliverable_at       timestamptz,
    undeliverable_reason   text,
    migrated_to_chat_id    bigint,
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- The status message of a job (jobs.status_message_id): what it shows now, so Deliver
-- edits it only when the text would change (never "message is not modified"), at most
-- once per throttle interval, and stops once it showed a final state.
ALTER TABLE jobs
    ADD COLUMN status_shown      text,
    ADD COLUMN status_edited_at  timestamptz,
    ADD COLUMN status_final      boolean NOT NULL DEFAULT false;

CREATE INDEX jobs_status_open_idx ON jobs (id) WHERE status_message_id IS NOT NULL AND NOT status_final;
-- No index on a user's unfinished jobs: /status finds them through jobs_user_created_idx
-- (a user's rows are few). A partial index over the unfinished states was picked by the
-- planner for FinishRenders — whose WHERE implies its predicate — and walked every
-- unfinished job of every user, a third of the queue benchmark's time.

-- ClaimOutbox takes a row only when no earlier row of its chat is unsent; this index
-- answers that NOT EXISTS without scanning the chat's history.
CREATE INDEX outbox_chat_unsent_idx ON outbox (chat_id, id) WHERE state IN ('pending', 'sending');
