-- Issue 7 (unchanged re-sync): a pulled page with nothing to judge is stored by one statement outside a
-- transaction (its read of the stored rows is a hint). The statement's advance of the run matches only
-- while the page is still the run's next one; when it matched no row, this raises (SQLSTATE TR409), so
-- the statement's other writes (the page's batch, seen keys, audit entries, outbox rows) are undone with
-- it, and the page is stored the usual way, under the run's lock.
CREATE FUNCTION truc.page_still_due(due boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  IF NOT due THEN
    RAISE EXCEPTION 'the page is no longer the run''s next one' USING ERRCODE = 'TR409';
  END IF;
  RETURN true;
END
$fn$;
