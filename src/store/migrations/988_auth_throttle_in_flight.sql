-- review27b F5: a login attempt is no longer counted as a failure until it succeeds. Attempts being checked are
-- counted apart (in_flight, with when it last changed: a count left by a process that died mid-check is forgotten
-- once nothing has started or ended on the key for a while), failures only when they fail; see
-- src/api/auth/throttle.ts. Used when no Redis is configured (Redis holds the same state otherwise).
ALTER TABLE truc.auth_throttle
  ADD COLUMN IF NOT EXISTS in_flight integer NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS in_flight_at timestamptz NOT NULL DEFAULT 'epoch';
