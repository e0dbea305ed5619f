-- The LoRAs ("styles") each model's Renderer offers. The Renderer publishes the
-- .safetensors files of its LoRA folder here at start-up; Ingest checks the
-- <lora:NAME:WEIGHT> tags of a prompt against the visible ones and /styles lists them.
--
-- An operator hides a LoRA with plain SQL, and a later publish keeps the flag:
--   UPDATE loras SET hidden = true WHERE model = '/models/sd15' AND name = 'some_style';
-- Renderers of one model are expected to share a LoRA folder: each start-up replaces
-- the model's list with its own.
CREATE TABLE loras (
    model         text NOT NULL,                   -- the Renderer's LIENZO_MODEL, as Ingest stamps it on jobs
    name          text NOT NULL,                   -- the file's stem: what <lora:NAME> names (case matters)
    description   text NOT NULL DEFAULT '',        -- one line for /styles (file metadata or a NAME.txt sidecar)
    short_hash    text NOT NULL,                   -- AUTOMATIC1111's "addnet" hash, for the PNG's "Lora hashes:"
    published_at  timestamptz NOT NULL DEFAULT now(),  -- the last publish that listed it
    hidden        boolean NOT NULL DEFAULT false,  -- set by operators: not listed, tags naming it refused
    PRIMARY KEY (model, name),
    -- The first 12 hex digits of the SHA-256 of the file after its header, lowercase, as
    -- AUTOMATIC1111 writes it (modules/hashes.py, addnet_hash_safetensors).
    CONSTRAINT short_hash_is_12_hex CHECK (short_hash ~ '^[0-9a-f]{12}$')
);
