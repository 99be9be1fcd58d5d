-- Issue 7 (sync-data): the mass-change guard. A full run's reconciliation whose deletions exceed a
-- school's threshold is held with its diff (counts and keys per school, never personal data) until a
-- city admin approves or rejects it. (`kind` leaves room for holding batches.)
CREATE TABLE truc.guard_holds (
  id           bigserial PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('batch', 'reconcile')),
  batch_id     uuid REFERENCES truc.batches (id),
  sync_run_id  bigint REFERENCES truc.sync_runs (id),
  entity       text NOT NULL,
  status       text NOT NULL CHECK (status IN ('held', 'approved', 'rejected')),
  -- [{ school, live, deleted, moved, changed, keys: { deleted: [], moved: [], changed: [] } }]
  diff         jsonb NOT NULL,
  -- [{ school, kind: deleted|changed, count, live, ratio, threshold }]
  reasons      jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  decided_at   timestamptz,
  decided_by   text
);
CREATE INDEX guard_holds_status ON truc.guard_holds (status, created_at DESC);
CREATE INDEX guard_holds_run ON truc.guard_holds (sync_run_id) WHERE sync_run_id IS NOT NULL;
