-- Issue 7 (guard-dash): a dead letter's replay can pin the mapping version its work first ran with.
-- The letter keeps that version; a batch or sync run replayed pinned keeps the version its records
-- must be mapped with (NULL: the current mapping).
ALTER TABLE truc.dead_letters ADD COLUMN mapping_version text;
ALTER TABLE truc.batches ADD COLUMN mapping_pin text;
ALTER TABLE truc.sync_runs ADD COLUMN mapping_pin text;
