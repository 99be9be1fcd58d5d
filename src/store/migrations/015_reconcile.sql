-- Issue 7 (sync-data): reconciliation and deletes.
-- A push set either upserts its records at the target or deletes them there (tombstones travel).
ALTER TABLE truc.push_sets ADD COLUMN operation text NOT NULL DEFAULT 'upsert'
  CHECK (operation IN ('upsert', 'delete'));

-- A vendor batch in `snapshot` mode is "every record of this entity of my school": what it omits is deleted.
ALTER TABLE truc.batches ADD COLUMN mode text NOT NULL DEFAULT 'delta' CHECK (mode IN ('delta', 'snapshot'));
ALTER TABLE truc.batches ADD COLUMN deleted integer NOT NULL DEFAULT 0;

-- A full sync run reconciles once all its pages are ingested: records of its scope the source no
-- longer has become tombstones. `reconcile` = null (not a full run, or not yet due), 'queued', 'held'
-- (by the mass-change guard), 'done'.
ALTER TABLE truc.sync_runs ADD COLUMN reconcile text CHECK (reconcile IN ('queued', 'held', 'done'));
ALTER TABLE truc.sync_runs ADD COLUMN reconciled integer NOT NULL DEFAULT 0;
ALTER TABLE truc.sync_runs ADD COLUMN reconcile_note text; -- why a due reconciliation deleted nothing

-- What a run saw: one narrow row per ingested page (its keys), instead of rewriting every wide record
-- row it saw. Read by the run's reconciliation, then dropped.
CREATE TABLE truc.sync_run_seen (
  sync_run_id bigint NOT NULL REFERENCES truc.sync_runs (id) ON DELETE CASCADE,
  batch_id    uuid NOT NULL,
  keys        text[] NOT NULL,
  unkeyed     integer NOT NULL DEFAULT 0, -- records of the page that did not map (no key known)
  PRIMARY KEY (sync_run_id, batch_id)
);
