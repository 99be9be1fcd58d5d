-- Issue 7: the mass-change guard watches the pages of a sync run, not only its reconciliation. A page
-- whose changes, moves or source tombstones take a school's running counts for the run over its
-- thresholds is held (hold kind 'run'); the run waits in status 'held' until a city admin decides.
ALTER TABLE truc.sync_runs DROP CONSTRAINT sync_runs_status_check;
ALTER TABLE truc.sync_runs ADD CONSTRAINT sync_runs_status_check
  CHECK (status IN ('queued', 'running', 'held', 'done', 'failed'));
ALTER TABLE truc.guard_holds DROP CONSTRAINT guard_holds_kind_check;
ALTER TABLE truc.guard_holds ADD CONSTRAINT guard_holds_kind_check
  CHECK (kind IN ('batch', 'reconcile', 'run'));
-- Per run and school: the school's live records when the run first touched it, and what the run's
-- applied pages did to them so far (counts only; the keys are in a hold's diff, never here).
CREATE TABLE truc.sync_run_guard (
  sync_run_id bigint NOT NULL REFERENCES truc.sync_runs (id) ON DELETE CASCADE,
  school_code text NOT NULL,
  live        integer NOT NULL,
  deleted     integer NOT NULL DEFAULT 0,
  moved       integer NOT NULL DEFAULT 0,
  changed     integer NOT NULL DEFAULT 0,
  PRIMARY KEY (sync_run_id, school_code)
);
