-- The change feed (issue 9): every create, update and delete of a school's master data, written by
-- statement-level triggers on the entity tables, so every write path (vendor batches, pulls,
-- tombstones, restores) feeds it and none can forget to. No personal data: keys and scopes only.
--
-- Order is (tx, seq): `tx` is the writing transaction's id. A reader serves only rows whose
-- transaction is older than every transaction still running (pg_snapshot_xmin), so a transaction
-- that commits late can never land behind a cursor a reader has already passed (seq alone could:
-- sequence numbers are taken in one order and committed in another).
CREATE TABLE truc.record_changes (
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  tx          xid8 NOT NULL DEFAULT pg_current_xact_id(),
  entity      text NOT NULL,
  record_key  text NOT NULL,
  school_code text NOT NULL,
  op          text NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  changed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tx, seq)
);
CREATE INDEX record_changes_school ON truc.record_changes (school_code, tx, seq);
CREATE INDEX record_changes_time ON truc.record_changes (changed_at);

-- A record moving to another school is a delete for the old school and a create for the new one;
-- a tombstone is a delete; a restored record is a create; an unchanged rewrite is nothing.
-- Arguments: entity name, key column, school column.
CREATE FUNCTION truc.log_record_changes() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format(
      $q$INSERT INTO truc.record_changes (entity, record_key, school_code, op)
         SELECT %1$L, n.%2$I, n.%3$I, 'create' FROM new_rows n WHERE n.deleted_at IS NULL
         ORDER BY n.%2$I$q$,
      TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
  ELSE
    EXECUTE format(
      $q$INSERT INTO truc.record_changes (entity, record_key, school_code, op)
         SELECT %1$L, c.k, c.s, c.op FROM (
           SELECT n.%2$I AS k, o.%3$I AS s, 'delete' AS op, 1 AS ord
             FROM new_rows n JOIN old_rows o ON o.%2$I = n.%2$I
            WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL OR o.%3$I <> n.%3$I)
           UNION ALL
           SELECT n.%2$I, n.%3$I,
                  CASE WHEN o.deleted_at IS NULL AND o.%3$I = n.%3$I THEN 'update' ELSE 'create' END, 2
             FROM new_rows n JOIN old_rows o ON o.%2$I = n.%2$I
            WHERE n.deleted_at IS NULL
              AND (o.deleted_at IS NOT NULL OR o.%3$I <> n.%3$I OR o.fingerprint <> n.fingerprint)
         ) c ORDER BY c.k, c.ord$q$,
      TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER schools_changes_insert AFTER INSERT ON truc.schools REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('schools', 'school_code', 'school_code');
CREATE TRIGGER schools_changes_update AFTER UPDATE ON truc.schools
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('schools', 'school_code', 'school_code');
CREATE TRIGGER classes_changes_insert AFTER INSERT ON truc.classes REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('classes', 'class_key', 'school_code');
CREATE TRIGGER classes_changes_update AFTER UPDATE ON truc.classes
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('classes', 'class_key', 'school_code');
CREATE TRIGGER students_changes_insert AFTER INSERT ON truc.students REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('students', 'student_code', 'school_code');
CREATE TRIGGER students_changes_update AFTER UPDATE ON truc.students
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('students', 'student_code', 'school_code');
CREATE TRIGGER staff_changes_insert AFTER INSERT ON truc.staff REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('staff', 'staff_code', 'school_code');
CREATE TRIGGER staff_changes_update AFTER UPDATE ON truc.staff
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.log_record_changes('staff', 'staff_code', 'school_code');

-- Record reads page by key within a school, optionally changed since a time.
CREATE INDEX schools_updated ON truc.schools (updated_at);
CREATE INDEX classes_school_key ON truc.classes (school_code, class_key);
CREATE INDEX students_school_key ON truc.students (school_code, student_code);
CREATE INDEX staff_school_key ON truc.staff (school_code, staff_code);
-- The composite indexes serve every query the single-column ones did.
DROP INDEX truc.classes_school;
DROP INDEX truc.students_school;
DROP INDEX truc.staff_school;
