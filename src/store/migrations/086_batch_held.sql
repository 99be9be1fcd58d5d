-- Issue 7 (mass-change guard): a vendor batch whose changes go over a school's thresholds is held whole
-- (nothing applied) until a city admin approves it (queued again and ingested) or rejects it (failed,
-- ERR_GUARD_REJECTED).
ALTER TABLE truc.batches DROP CONSTRAINT batches_status_check;
ALTER TABLE truc.batches
  ADD CONSTRAINT batches_status_check CHECK (status IN ('queued', 'processing', 'held', 'done', 'failed'));
