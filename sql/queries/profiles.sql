-- The model profiles Renderers publish (sql/migrations/0009_model_profiles.sql): written
-- by the Renderer at start-up, read by Ingest.

-- name: PublishModelProfile
-- Makes the arguments the model's profile, replacing an earlier publish. $1 model, $2
-- kind, $3 default steps, $4 max steps, $5 default guidance, $6 min guidance, $7 max
-- guidance, $8 default sampler, $9 samplers, $10 default width, $11 default height.
INSERT INTO model_profiles (
    model, kind, default_steps, max_steps, default_guidance, min_guidance, max_guidance,
    default_sampler, samplers, default_width, default_height)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11)
ON CONFLICT (model) DO UPDATE
   SET kind = EXCLUDED.kind, default_steps = EXCLUDED.default_steps, max_steps = EXCLUDED.max_steps,
       default_guidance = EXCLUDED.default_guidance, min_guidance = EXCLUDED.min_guidance,
       max_guidance = EXCLUDED.max_guidance, default_sampler = EXCLUDED.default_sampler,
       samplers = EXCLUDED.samplers, default_width = EXCLUDED.default_width,
       default_height = EXCLUDED.default_height, published_at = now()

-- name: ModelProfile
-- The profile Ingest applies; no row before a Renderer of the model published. $1 model.
-- The samplers come joined by commas (the table allows no comma in a name).
SELECT kind, default_steps, max_steps, default_guidance, min_guidance, max_guidance,
       default_sampler, array_to_string(samplers, ',') AS samplers, default_width, default_height
  FROM model_profiles
 WHERE model = $1
