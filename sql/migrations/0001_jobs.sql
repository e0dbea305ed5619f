-- The work table, the outbox and quotas: everything the three stages share.
--
-- Every object here is created unqualified, in the schema the Migrator puts first on
-- search_path (`lienzo` by default, one schema per test). See docs/lifecycle.md for the
-- state diagram.

CREATE TYPE job_state AS ENUM (
    'queued',      -- accepted, waiting for a Renderer (also after a retryable failure)
    'rendering',   -- claimed by a Renderer under a lease
    'rendered',    -- PNG stored, waiting for Deliver
    'delivering',  -- claimed by Deliver under a lease
    'delivered',   -- Telegram confirmed the photo (telegram_message_id)
    'failed',      -- gave up: last error in errors
    'cancelled'    -- the user cancelled it
);

-- Columns are ordered for operators: identity, state, request, lifecycle, result.
CREATE TABLE jobs (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state                  job_state NOT NULL DEFAULT 'queued',

    -- Telegram identity of the request
    update_id              bigint NOT NULL,
    chat_id                bigint NOT NULL,
    user_id                bigint NOT NULL,
    message_id             bigint,
    language_code          text,

    -- what to render; (model, width, height, steps, sampler) is the micro-batch key
    prompt                 text NOT NULL,
    negative_prompt        text NOT NULL DEFAULT '',
    prompt_sha256          bytea NOT NULL,
    model                  text NOT NULL,
    width                  integer NOT NULL,
    height                 integer NOT NULL,
    steps                  integer NOT NULL,
    guidance               real NOT NULL,
    seed                   bigint NOT NULL,
    sampler                text NOT NULL,

    -- render attempts and lease
    attempt                integer NOT NULL DEFAULT 0,
    max_attempts           integer NOT NULL DEFAULT 3,
    scheduled_at           timestamptz NOT NULL DEFAULT now(),
    lease_owner            text,
    lease_expires_at       timestamptz,
    progress_step          integer NOT NULL DEFAULT 0,

    -- delivery attempts (lease columns are shared: a job is never rendering and delivering at once)
    delivery_attempt       integer NOT NULL DEFAULT 0,
    max_delivery_attempts  integer NOT NULL DEFAULT 5,

    -- error history: [{"at", "stage", "attempt", "error", "by"}], oldest first
    errors                 jsonb NOT NULL DEFAULT '[]',

    -- one timestamp per transition
    created_at             timestamptz NOT NULL DEFAULT now(),
    render_started_at      timestamptz,
    rendered_at            timestamptz,
    delivery_started_at    timestamptz,
    delivered_at           timestamptz,
    failed_at              timestamptz,
    cancelled_at           timestamptz,
    prompt_purged_at       timestamptz,

    -- result
    image_png              bytea,
    image_sha256           bytea,
    image_bytes            integer,
    status_message_id      bigint,          -- the acknowledgement Deliver edits with progress
    telegram_message_id    bigint,          -- the delivered photo

    CONSTRAINT jobs_update_id_key UNIQUE (update_id),
    CONSTRAINT size_positive_multiple_of_8 CHECK (width > 0 AND height > 0 AND width % 8 = 0 AND height % 8 = 0),
    CONSTRAINT steps_positive CHECK (steps > 0),
    CONSTRAINT attempt_within_max CHECK (attempt >= 0 AND attempt <= max_attempts),
    CONSTRAINT delivery_attempt_within_max CHECK (delivery_attempt >= 0 AND delivery_attempt <= max_delivery_attempts),
    CONSTRAINT progress_within_steps CHECK (progress_step >= 0 AND progress_step <= steps),
    CONSTRAINT leased_or_lease_null CHECK (
        (state IN ('rendering', 'delivering')) = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT rendered_has_image CHECK (
        state NOT IN ('rendered', 'delivering') OR (image_png IS NOT NULL AND image_sha256 IS NOT NULL)),
    CONSTRAINT image_has_hash CHECK (image_png IS NULL OR (image_sha256 IS NOT NULL AND image_bytes IS NOT NULL)),
    CONSTRAINT delivered_has_message CHECK (
        (state = 'delivered') = (delivered_at IS NOT NULL AND telegram_message_id IS NOT NULL)),
    CONSTRAINT failed_or_failed_at_null CHECK ((state = 'failed') = (failed_at IS NOT NULL)),
    CONSTRAINT cancelled_or_cancelled_at_null CHECK ((state = 'cancelled') = (cancelled_at IS NOT NULL)),
    CONSTRAINT errors_is_array CHECK (jsonb_typeof(errors) = 'array')
);

-- A queue table churns: every job leaves ~5 dead row versions behind, and claims walk
-- the partial indexes below past the dead entries until vacuum removes them. Vacuum it
-- after every 1,000 dead rows rather than after 20% of the table.
ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
                      autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0.02);

-- The claim: oldest queued job for a model, then its batch-mates with the same key
-- (found by walking the same index: the queued rows of one model are few).
CREATE INDEX jobs_queued_idx ON jobs (model, id) WHERE state = 'queued';
CREATE INDEX jobs_rendered_idx ON jobs (id) WHERE state = 'rendered';
-- The rescuer's index. Its predicate deliberately does not mention `state`: finishes and
-- heartbeats filter on state too, and with a state predicate the planner would walk this
-- index (full of dead entries in a busy queue) instead of the primary key.
CREATE INDEX jobs_leased_idx ON jobs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
-- Quotas count a user's jobs today and their pending jobs (a user's rows are few).
CREATE INDEX jobs_user_created_idx ON jobs (user_id, created_at);

-- Everything the bot says besides the photo: acknowledgements, replies to commands,
-- rejections, failure notices, progress edits. Rows are written in the same transaction
-- as the state change they report, so a killed stage loses no message; only Deliver
-- talks to Telegram. `kind` + `args` are turned into text in the user's language by
-- Deliver, so all bot texts live in one place.
CREATE TYPE outbox_state AS ENUM ('pending', 'sending', 'sent', 'failed');

CREATE TABLE outbox (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state                outbox_state NOT NULL DEFAULT 'pending',
    chat_id              bigint NOT NULL,
    job_id               bigint REFERENCES jobs (id) ON DELETE SET NULL,
    reply_to_message_id  bigint,
    edit_message_id      bigint,                -- set: editMessageText instead of sendMessage
    language_code        text,
    kind                 text NOT NULL,         -- e.g. 'queued', 'help', 'rejected', 'job_failed'
    args                 jsonb NOT NULL DEFAULT '{}',
    attempt              integer NOT NULL DEFAULT 0,
    max_attempts         integer NOT NULL DEFAULT 5,
    scheduled_at         timestamptz NOT NULL DEFAULT now(),
    lease_owner          text,
    lease_expires_at     timestamptz,
    errors               jsonb NOT NULL DEFAULT '[]',
    created_at           timestamptz NOT NULL DEFAULT now(),
    sent_at              timestamptz,
    failed_at            timestamptz,
    telegram_message_id  bigint,

    CONSTRAINT outbox_attempt_within_max CHECK (attempt >= 0 AND attempt <= max_attempts),
    CONSTRAINT outbox_leased_or_lease_null CHECK (
        (state = 'sending') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT outbox_sent_or_sent_at_null CHECK ((state = 'sent') = (sent_at IS NOT NULL)),
    CONSTRAINT outbox_failed_or_failed_at_null CHECK ((state = 'failed') = (failed_at IS NOT NULL)),
    CONSTRAINT outbox_args_is_object CHECK (jsonb_typeof(args) = 'object'),
    CONSTRAINT outbox_errors_is_array CHECK (jsonb_typeof(errors) = 'array')
);

CREATE INDEX outbox_pending_idx ON outbox (scheduled_at, id) WHERE state = 'pending';
CREATE INDEX outbox_leased_idx ON outbox (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
CREATE INDEX outbox_job_idx ON outbox (job_id);

-- Quotas: one row of defaults, overridden per user where a column is not null.
CREATE TABLE quota_defaults (
    singleton    boolean PRIMARY KEY DEFAULT true CONSTRAINT quota_defaults_one_row CHECK (singleton),
    daily_limit  integer NOT NULL CONSTRAINT daily_limit_non_negative CHECK (daily_limit >= 0),
    max_queued   integer NOT NULL CONSTRAINT max_queued_non_negative CHECK (max_queued >= 0)
);
INSERT INTO quota_defaults (daily_limit, max_queued) VALUES (50, 3);

CREATE TABLE users (
    user_id        bigint PRIMARY KEY,
    banned         boolean NOT NULL DEFAULT false,
    banned_reason  text,
    daily_limit    integer CONSTRAINT user_daily_limit_non_negative CHECK (daily_limit >= 0),
    max_queued     integer CONSTRAINT user_max_queued_non_negative CHECK (max_queued >= 0),
    language_code  text,
    first_seen_at  timestamptz NOT NULL DEFAULT now()
);

-- Wake-ups. Channels carry the table's schema so tests in separate schemas do not wake
-- each other. The payload of a queued job is its model, so a Renderer can ignore others.
-- A new job is announced by enqueue_job() itself, and only when no due job of its model
-- waits ahead of it: PostgreSQL serializes the commits of notifying transactions, and
-- an announcement per request halved the queue's throughput. This trigger announces
-- jobs that come back to the queue (retry, rescue, release) and finished renders.
CREATE FUNCTION notify_job_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'queued' THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '.jobs_queued', NEW.model);
    ELSIF NEW.state = 'rendered' THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '.jobs_rendered', '');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_notify
    AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.state IN ('queued', 'rendered'))
    EXECUTE FUNCTION notify_job_state();

CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '.outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify
    AFTER INSERT OR UPDATE OF state ON outbox
    FOR EACH ROW WHEN (NEW.state = 'pending')
    EXECUTE FUNCTION notify_outbox();
