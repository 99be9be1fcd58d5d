-- Quality (issue 8): findings as the engine reports them, the current findings of every record, and
-- the lookups the store-backed rules make once per batch.

-- Batch findings: 'info' severity, the offending value (only where it is not personal data), the fix
-- hint and a non-personal detail, in both languages.
ALTER TABLE truc.findings DROP CONSTRAINT IF EXISTS findings_severity_check;
ALTER TABLE truc.findings ADD CONSTRAINT findings_severity_check
  CHECK (severity IN ('error', 'warning', 'info'));
ALTER TABLE truc.findings
  ADD COLUMN value     text,
  ADD COLUMN hint_vi   text,
  ADD COLUMN hint_en   text,
  ADD COLUMN detail_vi text,
  ADD COLUMN detail_en text;
CREATE INDEX findings_batch_rule ON truc.findings (batch_id, rule);

-- The last verdict on every record a school sent (accepted or rejected), with its findings of the four
-- criteria: what scorecards count and what a school's findings list serves. One row per record,
-- replaced each time the record is checked again.
CREATE TABLE truc.quality_records (
  entity      text NOT NULL,
  record_key  text NOT NULL,
  school_code text NOT NULL,
  accepted    boolean NOT NULL,
  checked_at  timestamptz NOT NULL,
  batch_id    uuid NOT NULL,
  -- [{ "rule", "criterion", "severity", "pointer", "value"? }]: never personal data
  findings    jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (entity, record_key)
);
CREATE INDEX quality_records_school ON truc.quality_records (school_code);

-- Store-backed rules: probable duplicates by birth date, holders of a personal ID, current-year counts.
CREATE INDEX students_birth_date ON truc.students ((data ->> 'birthDate')) WHERE deleted_at IS NULL;
CREATE INDEX staff_personal_id ON truc.staff (personal_id) WHERE personal_id IS NOT NULL;
