-- fixes26a (issue 7): a delivery gate kept the code of its system's last failed call but not when it failed, so
-- the operations overview showed a system's lastErrorCode (the gate's) beside lastFailureAt null (no failed sync
-- run). The gate now keeps when: the overview's last failure is the later of the last failed run and the gate's
-- last failed call, and its code is that failure's. A gate that failed before this migration: its last change
-- (updated_at, at or after that failure) stands for when.
ALTER TABLE truc.delivery_gates ADD COLUMN last_error_at timestamptz;
UPDATE truc.delivery_gates SET last_error_at = updated_at WHERE last_error_code IS NOT NULL;
