-- fix33b (issue 7 item 3): a city admin approves a held run except some schools. Their changes are rejected: the
-- run's pages leave those schools' records alone (not applied), its reconciliation deletes nothing of them, and
-- what was left is counted per school. `except_schools`: the schools an approval left out (codes, no personal
-- data); `rejected_schools`: every school an approval of the run left out; the counts in sync_run_not_applied.
ALTER TABLE truc.guard_holds ADD COLUMN except_schools text[] NOT NULL DEFAULT '{}';
ALTER TABLE truc.sync_runs ADD COLUMN rejected_schools text[] NOT NULL DEFAULT '{}';
CREATE TABLE truc.sync_run_not_applied (
  sync_run_id bigint NOT NULL REFERENCES truc.sync_runs (id) ON DELETE CASCADE,
  school_code text NOT NULL,
  -- the pages' records and tombstones of the school not applied
  records     integer NOT NULL DEFAULT 0,
  -- the records of the school the reconciliation did not delete
  deletions   integer NOT NULL DEFAULT 0,
  PRIMARY KEY (sync_run_id, school_code)
);
