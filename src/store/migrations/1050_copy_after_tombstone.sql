-- rel29: a pulled page's write checks, in its own statement, that no tombstone of a record it writes says the source
-- deleted that record no earlier than the page's copy of it (by the source's own clock: migration 985's
-- source_deleted_at against the copy's time, hcm-csdl's updatedAt). Such a tombstone, committed between the page's
-- read of its stored rows and this write (another run of the same entity, milliseconds), would otherwise be undone
-- by a copy the source served before deleting the record. The statement fails (SQLSTATE TR411) and nothing of the
-- page's transaction is written: the page is stored again, and its new read sees the tombstone (no restore,
-- src/jobs/skip-unchanged.ts). Called only for a stored row that is a tombstone (deleted_at set) and a copy whose
-- time the source told; true otherwise.
CREATE OR REPLACE FUNCTION truc.copy_not_deleted_since(source_deleted_at timestamptz, copy_at timestamptz)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  IF source_deleted_at IS NOT NULL AND copy_at IS NOT NULL AND copy_at <= source_deleted_at THEN
    RAISE EXCEPTION 'records: a tombstone newer than the copy was committed after the page was read'
      USING ERRCODE = 'TR411';
  END IF;
  RETURN true;
END
$fn$;
