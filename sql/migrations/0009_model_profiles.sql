-- The good settings of each model, as its Renderer derives them at start-up (from the
-- scheduler config, the U-Net config, an LCM-LoRA, or an operator's override) and
-- publishes them here. Ingest reads its model's row, so a plain "/generate a cat" gets
-- 1 step at CFG 0 on SD-Turbo and 4 steps of lcm on an LCM model; an environment
-- setting the operator gave Ingest (LIENZO_DEFAULT_STEPS…) still wins over the row.
-- Renderers of one model are expected to agree: the last publish is the row.
CREATE TABLE model_profiles (
    model             text PRIMARY KEY,    -- the Renderer's LIENZO_MODEL, as Ingest stamps it on jobs
    kind              text NOT NULL,       -- what the Renderer found: standard (SD 1.x/2.x), turbo, lcm (distilled U-Net), lcm-lora
    default_steps     integer NOT NULL,    -- a plain request's steps
    max_steps         integer NOT NULL,    -- the most a request may ask for
    default_guidance  real NOT NULL,       -- CFG scale of a plain request
    min_guidance      real NOT NULL,
    max_guidance      real NOT NULL,
    default_sampler   text NOT NULL,       -- the engine's sampler names (euler_a, lcm…)
    samplers          text[] NOT NULL,     -- the samplers a request may name
    default_width     integer NOT NULL,
    default_height    integer NOT NULL,
    published_at      timestamptz NOT NULL DEFAULT now(),  -- the last publish
    CONSTRAINT profile_kind_known CHECK (kind IN ('standard', 'turbo', 'lcm', 'lcm-lora')),
    -- A train schedule has 1000 steps: more could not be told apart.
    CONSTRAINT profile_steps_ordered CHECK (1 <= default_steps AND default_steps <= max_steps AND max_steps <= 1000),
    -- 'Infinity' and 'NaN' (which PostgreSQL sorts above it) are refused too.
    CONSTRAINT profile_guidance_ordered CHECK (
        0 <= min_guidance AND min_guidance <= default_guidance AND default_guidance <= max_guidance
        AND max_guidance < 'Infinity'::real),
    -- Names as Ingest normalises what users type: lowercase, digits and underscores, none
    -- empty or NULL, so that the list reads back joined by commas.
    CONSTRAINT profile_samplers_are_names CHECK (
        array_position(samplers, NULL) IS NULL
        AND array_to_string(samplers, '') ~ '^[a-z0-9_]*$'
        AND array_to_string(samplers, ',') ~ '^[a-z0-9_]+(,[a-z0-9_]+)*$'),
    CONSTRAINT profile_default_sampler_offered CHECK (default_sampler = ANY (samplers)),
    CONSTRAINT profile_size_multiple_of_8 CHECK (
        default_width > 0 AND default_height > 0 AND default_width % 8 = 0 AND default_height % 8 = 0)
);
