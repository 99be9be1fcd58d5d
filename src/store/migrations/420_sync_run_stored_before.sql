-- Issue 7 (the city's first sync): whether a full run, when it was requested, could find a record it does not
-- see: a live record of its scope last written by its system, or a write of one under way (another run of the
-- same system and entity not finished). A first sync has none, and its reconciliation then reads no record:
-- asking at the end scanned the whole table it had just filled (2.7 s at 1.7 M students) to find nothing.
-- Runs requested before this migration say true: they ask at the end, as before.
ALTER TABLE truc.sync_runs ADD COLUMN stored_before boolean NOT NULL DEFAULT true;
