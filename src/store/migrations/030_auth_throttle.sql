-- issue 9: failed-login throttling without a lock an outsider can keep armed. One row per throttle
-- key (a source address, or a client id at a source address): failures in the current window and
-- the earliest time the next attempt is checked. Used when no Redis is configured (Redis holds the
-- same state otherwise). The per-client lockout columns of api_clients are no longer used.
CREATE TABLE truc.auth_throttle (
  key        text PRIMARY KEY,
  failures   integer NOT NULL DEFAULT 0,
  next_at    timestamptz NOT NULL DEFAULT 'epoch',
  expires_at timestamptz NOT NULL
);
CREATE INDEX auth_throttle_expires ON truc.auth_throttle (expires_at);
