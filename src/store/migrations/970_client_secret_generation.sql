-- review27b F3: rotating a client's secret cuts the tokens issued before it. Each rotation counts one more
-- generation of the client's secret; a token carries the generation it was issued under (claim `gen`, none
-- before this migration: 0) and is refused once the client's generation has moved past it
-- (src/api/plugins/auth.ts).
ALTER TABLE truc.api_clients ADD COLUMN IF NOT EXISTS secret_generation integer NOT NULL DEFAULT 0;
