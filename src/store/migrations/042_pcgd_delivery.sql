-- PCGD-XMC stage 2 (issue 10): computing as queued work, and delivery to the Ministry.
--
-- A report version is created `pending` when a computation is asked for (the API answers with its id at
-- once) and filled in by the compute job (`pending → computed|checked`), or marked `failed` with a code.
-- Delivery state of a submitted version: attempts, the last error code, and the date the Ministry's
-- window opens when a submission waits for it (`delivery_not_before`).
ALTER TABLE truc.pcgd_reports DROP CONSTRAINT pcgd_reports_status_check;
ALTER TABLE truc.pcgd_reports ADD CONSTRAINT pcgd_reports_status_check
  CHECK (status IN ('pending', 'failed', 'computed', 'checked', 'approved', 'submitted', 'receipted'));
ALTER TABLE truc.pcgd_reports
  ADD COLUMN error_code          text,
  ADD COLUMN delivery_attempts   integer NOT NULL DEFAULT 0,
  ADD COLUMN delivery_error      text,
  ADD COLUMN delivery_not_before timestamptz;

CREATE OR REPLACE FUNCTION truc.pcgd_reports_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'truc.pcgd_reports keeps every version: DELETE refused' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.unit_code <> OLD.unit_code OR NEW.year <> OLD.year OR NEW.version <> OLD.version
     OR NEW.unit_level <> OLD.unit_level THEN
    RAISE EXCEPTION 'a PCGD report''s unit, year and version never change' USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status IN ('approved', 'submitted', 'receipted') AND (
       NEW.figures IS DISTINCT FROM OLD.figures OR NEW.findings IS DISTINCT FROM OLD.findings
       OR NEW.rule_set IS DISTINCT FROM OLD.rule_set OR NEW.persons <> OLD.persons
       OR NEW.lineage_digest <> OLD.lineage_digest OR NEW.approved_by IS DISTINCT FROM OLD.approved_by
       OR NEW.approved_at IS DISTINCT FROM OLD.approved_at) THEN
    RAISE EXCEPTION 'approved PCGD figures are locked (report %)', OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'pending' AND NEW.status IN ('computed', 'failed'))
    OR (OLD.status = 'computed' AND NEW.status = 'checked')
    OR (OLD.status = 'checked' AND NEW.status = 'approved')
    OR (OLD.status = 'approved' AND NEW.status = 'submitted')
    OR (OLD.status = 'submitted' AND NEW.status = 'receipted')) THEN
    RAISE EXCEPTION 'PCGD report %: % → % is not a lifecycle step', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.superseded_at IS NOT NULL AND NEW.status <> OLD.status THEN
    RAISE EXCEPTION 'PCGD report % is superseded', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

-- The deadline view and the delivery of a city's communes read the current versions of a year by status.
CREATE INDEX pcgd_reports_year_status ON truc.pcgd_reports (year, status) WHERE superseded_at IS NULL;
