-- Live previews: while a job renders, its Renderer stores a small picture of the image
-- as it stands (the predicted clean latents, decoded cheaply) every few seconds, and
-- Deliver shows it in the chat as a photo whose caption follows the progress. The first
-- preview goes out as a new photo message (preview_message_id), which replaces the text
-- status message; later previews and finally the finished image replace the photo in that
-- same message (editMessageMedia), so the chat ends with one photo.
--
-- A preview lives only while its job renders: the trigger below drops it as soon as the
-- job leaves 'rendering' (finished, failed, released, rescued, cancelled).
CREATE TABLE job_previews (
    job_id      bigint PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    step        integer NOT NULL CONSTRAINT preview_step_positive CHECK (step > 0),
    png         bytea NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE jobs
    ADD COLUMN preview_message_id  bigint,   -- the photo message that shows the previews, then the image
    ADD COLUMN preview_shown_step  integer;  -- the step of the preview that photo shows

CREATE FUNCTION drop_job_preview() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_previews WHERE job_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_drop_preview
    AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (OLD.state = 'rendering' AND NEW.state <> 'rendering')
    EXECUTE FUNCTION drop_job_preview();
