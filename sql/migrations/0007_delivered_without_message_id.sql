-- A photo Telegram confirmed (ok: true) is delivered even when the reply's result did not
-- decode and so gave no message_id: recording it without one is what keeps it from being
-- sent twice. delivered_has_message becomes delivered_has_time.
-- NOT VALID then VALIDATE: the check of existing rows takes only a SHARE UPDATE EXCLUSIVE
-- lock, so the stages keep working while it runs.
ALTER TABLE jobs DROP CONSTRAINT delivered_has_message;
ALTER TABLE jobs ADD CONSTRAINT delivered_has_time
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL)) NOT VALID;
ALTER TABLE jobs VALIDATE CONSTRAINT delivered_has_time;
