-- Issue 7 (guard-dash): deciding on the mass-change guard's holds takes the scope `guard`, a city
-- admin's by default. City-admin clients created before it gain it here, so nobody loses the power
-- to approve or reject a held change; a client whose scopes were narrowed by hand (no `admin`) does not.
UPDATE truc.api_clients SET scopes = array_append(scopes, 'guard')
 WHERE role = 'city-admin' AND 'admin' = ANY (scopes) AND NOT ('guard' = ANY (scopes));
-- A held snapshot's deletions are applied once after approval (src/jobs/guard-apply.ts).
ALTER TABLE truc.guard_holds ADD COLUMN applied_at timestamptz;
ALTER TABLE truc.guard_holds ADD COLUMN applied integer;
CREATE INDEX guard_holds_batch ON truc.guard_holds (batch_id) WHERE batch_id IS NOT NULL;
