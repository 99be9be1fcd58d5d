-- A held full run's reconciliation approved after a newer full run of its scope fetched every page: the
-- hold is closed as 'superseded' (the newer run's reconciliation decided; nothing is deleted), and the
-- approval answers 409 ERR_GUARD_SUPERSEDED.
ALTER TABLE truc.guard_holds DROP CONSTRAINT guard_holds_status_check;
ALTER TABLE truc.guard_holds ADD CONSTRAINT guard_holds_status_check
  CHECK (status IN ('held', 'approved', 'rejected', 'superseded'));
