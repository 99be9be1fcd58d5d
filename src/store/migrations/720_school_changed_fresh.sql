-- Issue 7, race21 (src/store/school-lock.ts): the API's re-push judged at once is one statement of its own
-- (src/store/repeats.ts). It takes the school's vendor lock inside that statement, after the statement's snapshot
-- was taken: an ingest of the school that commits in between is invisible to it. Its probe of the change feed
-- (src/store/record-tables.ts changedSince) runs here instead, after the lock: a VOLATILE function's query
-- takes a snapshot of its own (READ COMMITTED), which sees every transaction committed before the lock was got.
-- True: a record of `entity` in `school` was created, changed, moved or deleted by a transaction `snap` did not
-- see, other than `xact` (the one that took it). The same two ranges of the (school_code, tx, seq) index.
CREATE FUNCTION truc.school_changed_since(entity text, school text, snap pg_snapshot, xact xid8)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  RETURN EXISTS (SELECT 1 FROM truc.record_changes c
                  WHERE c.school_code = school_changed_since.school AND c.tx > xact
                    AND c.entity = school_changed_since.entity AND NOT pg_visible_in_snapshot(c.tx, snap))
      OR EXISTS (SELECT 1 FROM truc.record_changes c
                  WHERE c.school_code = school_changed_since.school
                    AND c.tx >= pg_snapshot_xmin(snap) AND c.tx < xact
                    AND c.entity = school_changed_since.entity AND NOT pg_visible_in_snapshot(c.tx, snap));
END
$fn$;
