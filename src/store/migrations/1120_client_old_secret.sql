-- fix30a (review29 F7): a client's secret rotated with an overlap window. The secret a rotation replaced keeps
-- working until old_secret_expires_at (its hash kept in old_secret_hash, generation secret_generation - 1, as the
-- tokens issued under it carry); then, or when a city admin ends it early (the hash cleared, the expiry set to that
-- moment), it stops. old_secret_expires_at is also when it stopped: shown on the client (never a hash).
ALTER TABLE truc.api_clients ADD COLUMN old_secret_hash text;
ALTER TABLE truc.api_clients ADD COLUMN old_secret_expires_at timestamptz;
