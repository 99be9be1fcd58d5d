-- Issue 7: sync runs listed and filtered. The mapping version a run's pages were mapped with, and
-- the index that sums a run's batches.
ALTER TABLE truc.sync_runs ADD COLUMN mapping_version text;
CREATE INDEX batches_sync_run ON truc.batches (sync_run_id) WHERE sync_run_id IS NOT NULL;
CREATE INDEX sync_runs_created ON truc.sync_runs (created_at DESC, id DESC);
