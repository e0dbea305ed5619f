-- Prompt rules: a blocklist operators edit in plain SQL. Ingest reads the list at most
-- every INGEST_PROMPT_RULES_REFRESH seconds (30) and refuses a /generate request whose
-- prompt matches one (the positive prompt, LoRA tags removed; not the --no part). The
-- refusal creates no job and is counted in refused_prompts, without the prompt.
--
-- Both the prompt and each rule are normalised before they are compared: lowercase,
-- accents and other diacritics dropped (ñ reads as n), digits within a word read as
-- letters (0 o, 1 i, 3 e, 4 a, 5 s, 7 t; @ a, $ s), three or more single letters in a
-- row joined into a word ("n.s.f.w", "n s f w"), and a letter typed more times than the
-- rule has it still matches ("nuuude" is "nude", but "as" is not "ass").
--
--   kind 'term':    one word or several in a row, matched as whole words ("ass" never
--                   matches "class"); a trailing * also matches longer words
--                   ("desnud*" catches desnudo, desnudas, desnudez).
--   kind 'pattern': a regular expression (ICU/Swift syntax) over the normalised prompt
--                   (lowercase letters and digits, words separated by one space), which
--                   must match whole words. A pattern that does not compile is skipped
--                   and logged by Ingest.
--   language:       NULL for every user; 'en' or 'es' for users Lienzo answers in that
--                   language only (Telegram's language_code, as for replies).
--
--   INSERT INTO prompt_rules (kind, rule, language, note) VALUES ('term', 'gore', NULL, 'ours');
--   DELETE FROM prompt_rules WHERE rule = 'nude';
CREATE TABLE prompt_rules (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL DEFAULT 'term',      -- 'term' or 'pattern'
    rule        text NOT NULL,                     -- the term(s) or the regular expression
    language    text,                              -- NULL: everyone; 'en', 'es': those users only
    note        text NOT NULL DEFAULT '',          -- why it is there, for operators
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT prompt_rule_kind_known CHECK (kind IN ('term', 'pattern')),
    CONSTRAINT prompt_rule_not_blank CHECK (btrim(rule) <> ''),
    CONSTRAINT prompt_rule_language_code CHECK (language ~ '^[a-z]{2}$')
);

-- A short, sober default list: explicit sexual content and sexualised minors, in English
-- and Spanish. It applies to every user (prompts are often written in English whatever
-- the user's language). Operators delete or add rows; the image checker still looks at
-- every image, since no list is complete.
INSERT INTO prompt_rules (kind, rule, note) VALUES
    ('term', 'nsfw', 'seed (en)'),
    ('term', 'nude', 'seed (en)'),
    ('term', 'nudes', 'seed (en)'),
    ('term', 'naked', 'seed (en)'),
    ('term', 'porn*', 'seed (en, es): porn, porno, pornographic, pornografía'),
    ('term', 'hentai', 'seed (en, es)'),
    ('term', 'sex', 'seed (en)'),
    ('term', 'erotic*', 'seed (en, es): erotic, erotica, erótico, erótica'),
    ('term', 'topless', 'seed (en, es)'),
    ('term', 'nipples', 'seed (en)'),
    ('term', 'genitals', 'seed (en)'),
    ('term', 'lolicon', 'seed (en, es)'),
    ('term', 'shota', 'seed (en, es)'),
    ('term', 'desnud*', 'seed (es): desnudo, desnuda, desnudos, desnudas, desnudez'),
    ('term', 'sin ropa', 'seed (es)'),
    ('term', 'sexo', 'seed (es)'),
    ('term', 'pezones', 'seed (es)'),
    ('term', 'genitales', 'seed (es)');

-- One row per refused request, for audits: who, where, which UTC day and which rule.
-- Never the prompt: the user's text is not kept for a request that was not accepted.
-- The rule is copied, so the count survives an operator deleting it.
CREATE TABLE refused_prompts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL,
    chat_id     bigint NOT NULL,
    day         date NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')::date,
    rule_id     bigint NOT NULL,                   -- prompt_rules.id at the time (no foreign key)
    rule        text NOT NULL                      -- the rule as it read then
);
CREATE INDEX refused_prompts_day_user ON refused_prompts (day, user_id);

-- Refused prompts per user per UTC day, with the rules they hit.
CREATE VIEW refused_prompts_per_user_per_day AS
SELECT day, user_id,
       count(*) AS refused,
       count(DISTINCT chat_id) AS chats,
       array_agg(DISTINCT rule ORDER BY rule) AS rules
  FROM refused_prompts
 GROUP BY day, user_id;
