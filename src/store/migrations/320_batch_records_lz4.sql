-- Issue 7 (vendor push path): a vendor batch's records (~500 KB of JSON for 1000 students) are
-- compressed when the API stores them; with pglz, PostgreSQL's default, that was ~3.5 of the ~8.4 ms of
-- CPU the insert of a 1000-record batch cost, lz4 takes a fraction of it and reads back faster too.
-- Only values written from now on are lz4; older ones stay pglz and read as before (no rewrite). A
-- server built without lz4 (the embedded database) keeps pglz.
DO $$
BEGIN
  ALTER TABLE truc.batches ALTER COLUMN records SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
