-- fix30f: when the secret a rotation replaced last issued a token (/oauth/token), so a city admin can see whether
-- the vendor still uses it before ending its window early. Written at most once a minute per client (the token
-- endpoint writes it only when the stored time is a minute old or more), cleared by the next rotation (a new old
-- secret). A time only, never a secret.
ALTER TABLE truc.api_clients ADD COLUMN old_secret_last_used_at timestamptz;
