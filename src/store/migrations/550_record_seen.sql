-- Issue 7 (store18, rebuilding store17's lost branch): "seen" off the wide row. A vendor batch's unchanged records
-- were marked seen by rewriting each one's row (`last_seen_at = now()` on students, staff, ...): a whole new row
-- version of every carried record (its jsonb, its indexes when not heap-only, the change feed's UPDATE trigger),
-- for one timestamp. truc.record_seen keeps that timestamp apart, one narrow row per carried record, with the
-- system whose batch carried it (`seen_by`: `vendor:<client>`, or the format of a trusted batch): precedence (b)
-- rule (ii) asks whether a batch of the snapshot's own sender carried the record unchanged since its last write
-- (../record-seen.ts). A write of the record does not touch it: seen counts only when later than `updated_at`.
CREATE TABLE truc.record_seen (
  entity  text NOT NULL CHECK (entity IN ('schools', 'classes', 'students', 'staff', 'persons')),
  key     text NOT NULL,
  seen_at timestamptz NOT NULL,
  -- NULL: carried before this migration, by a batch whose system the wide row did not keep.
  seen_by text,
  PRIMARY KEY (entity, key)
) WITH (fillfactor = 70);

-- What the wide rows knew: a record carried unchanged after its last write (before that, seen = written).
INSERT INTO truc.record_seen (entity, key, seen_at)
SELECT 'schools', school_code, last_seen_at FROM truc.schools WHERE last_seen_at > updated_at
UNION ALL
SELECT 'classes', class_key, last_seen_at FROM truc.classes WHERE last_seen_at > updated_at
UNION ALL
SELECT 'students', student_code, last_seen_at FROM truc.students WHERE last_seen_at > updated_at
UNION ALL
SELECT 'staff', staff_code, last_seen_at FROM truc.staff WHERE last_seen_at > updated_at
UNION ALL
SELECT 'persons', person_ref, last_seen_at FROM truc.persons WHERE last_seen_at > updated_at;

ALTER TABLE truc.schools DROP COLUMN last_seen_at;
ALTER TABLE truc.classes DROP COLUMN last_seen_at;
ALTER TABLE truc.students DROP COLUMN last_seen_at;
ALTER TABLE truc.staff DROP COLUMN last_seen_at;
ALTER TABLE truc.persons DROP COLUMN last_seen_at;
