-- Issue 7 (unchanged re-sync, and every full pull): each page of a full run notes the keys it held in
-- truc.sync_run_seen (~1000 keys, ~15 KB, compressed when stored); with pglz, PostgreSQL's default, that
-- insert cost ~1.1-1.3 ms of CPU a page, with lz4 ~0.75-0.9 (31 real pages' keys, alternated, load 22),
-- the same size on disk, and the reconciliation reads them back a little faster. Only values written from
-- now on are lz4 (the rows live until their run is reconciled). A server built without lz4 (the embedded
-- database) keeps pglz.
DO $$
BEGIN
  ALTER TABLE truc.sync_run_seen ALTER COLUMN keys SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
