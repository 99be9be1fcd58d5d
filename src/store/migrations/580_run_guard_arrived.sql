-- review17 B1: the run guard weighs a run's deletions against each school as it was before the run. A run
-- also keeps, per school, how many records it brought there (new, restored, moved in), so a school it first
-- only brought records to is counted back to before them when its deletions come (a later page, the
-- reconciliation); such a school's `live` stays NULL until then.
ALTER TABLE truc.sync_run_guard
  ADD COLUMN arrived integer NOT NULL DEFAULT 0,
  ALTER COLUMN live DROP NOT NULL;
