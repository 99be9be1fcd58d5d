-- undel24 (issue 7 item 4): the records a target should have and does not, because the push set that carried
-- them dead-lettered (src/store/push-sets.ts `fail`): one row per target, entity, key and failed set, with the
-- record's school (its scope) when the set failed. A delivery of the key to that target, by any set (the
-- letter replayed, a vendor's re-push sending it again, another batch's change), deletes its rows, and a
-- failed set none of whose rows are left is settled as delivered by that set (`markDelivered`). Narrow and
-- empty while every delivery succeeds: the unchanged re-push's one statement probes it by (school_code, entity).
CREATE TABLE truc.undelivered (
  system      text   NOT NULL,
  entity      text   NOT NULL,
  key         text   NOT NULL,
  failed_set  bigint NOT NULL REFERENCES truc.push_sets (id),
  school_code text,
  PRIMARY KEY (system, entity, key, failed_set)
);
CREATE INDEX undelivered_school ON truc.undelivered (school_code, entity);
CREATE INDEX undelivered_failed_set ON truc.undelivered (failed_set);

-- A dead letter whose push set was settled by a later delivery of its records (not replayed): when.
ALTER TABLE truc.dead_letters ADD COLUMN resolved_at timestamptz;

-- An unchanged re-push is judged at once only when nothing of its school waits to be delivered: a record of
-- `entity` in `school` undelivered to a target sends the re-push to its ingest, which sends such records again
-- (src/jobs/resend-undelivered.ts). Otherwise as migration 720.
CREATE OR REPLACE FUNCTION truc.school_changed_since(entity text, school text, snap pg_snapshot, xact xid8)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  RETURN EXISTS (SELECT 1 FROM truc.record_changes c
                  WHERE c.school_code = school_changed_since.school AND c.tx > xact
                    AND c.entity = school_changed_since.entity AND NOT pg_visible_in_snapshot(c.tx, snap))
      OR EXISTS (SELECT 1 FROM truc.record_changes c
                  WHERE c.school_code = school_changed_since.school
                    AND c.tx >= pg_snapshot_xmin(snap) AND c.tx < xact
                    AND c.entity = school_changed_since.entity AND NOT pg_visible_in_snapshot(c.tx, snap))
      OR EXISTS (SELECT 1 FROM truc.undelivered u
                  WHERE u.school_code = school_changed_since.school AND u.entity = school_changed_since.entity);
END
$fn$;
