-- rel28 (review27c F1 continued): the cursors a sync run has followed, so a source whose cursors loop over
-- several values (A→B→A) fails the run as one that repeats the cursor just asked at does, in whichever process
-- stores the page. One row per page of a running run: a 16-byte digest of the cursor its page stored as the
-- next one (no cursor text: it may carry the source's filters). The run's advance adds it (src/store/sync-runs.ts
-- ADVANCE) and drops them all with its last page; a failed run keeps them, so its replay still knows its path.
CREATE TABLE IF NOT EXISTS truc.sync_run_cursors (
  sync_run_id bigint NOT NULL REFERENCES truc.sync_runs (id) ON DELETE CASCADE,
  cursor_hash bytea  NOT NULL,
  PRIMARY KEY (sync_run_id, cursor_hash)
);

-- Raises (SQLSTATE TR410) when the advance found the cursor followed already (`fresh` false): the statement's
-- writes are undone with it (the page, its batch, its outbox rows), and the pull job fails the run for good.
CREATE OR REPLACE FUNCTION truc.cursor_not_followed(fresh boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  IF NOT fresh THEN
    RAISE EXCEPTION 'the run followed this cursor before' USING ERRCODE = 'TR410';
  END IF;
  RETURN true;
END
$fn$;
