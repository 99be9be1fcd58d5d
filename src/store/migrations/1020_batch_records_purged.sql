-- purge29: a finished batch's stored records (its body, personal data, `records` since migrations 440/481) are removed
-- once its retention (`api.batchRetentionDays`) has passed, by the nightly purge (src/jobs/change-purge.ts,
-- src/store/batch-purge.ts); the row stays (counts, status, times, error code, deliveries, findings). `records` is
-- then '[]' (every reader still parses it) and `records_purged_at` says when it went: GET /v1/batches/{id} tells it,
-- and a reader that needs the body (an ingest, a dead letter's replay) refuses it clearly (ERR_BATCH_RECORDS_PURGED).
ALTER TABLE truc.batches ADD COLUMN records_purged_at timestamptz;

-- The purge's scan: the rows that still keep a body of their own (not a repeat's `same_as`, not a pulled page stored
-- without its records), oldest first. Its predicate is the purge's own, so each row leaves the index once purged.
CREATE INDEX batches_body_kept ON truc.batches (created_at, id)
  WHERE records_purged_at IS NULL AND same_as IS NULL AND octet_length(records) > 2;

-- The repeats of a body (a re-push pointing at the batch that keeps it): the purge spares a body while one of them
-- may still read it. Narrow: only repeats have `same_as`.
CREATE INDEX batches_same_as ON truc.batches (same_as) WHERE same_as IS NOT NULL;

-- The batches not finished (queued, processing, held whole): work that reads a body, and whose arrival bounds which
-- re-pushed bodies it may read (src/jobs/repeat-carried.ts). Few at any time.
CREATE INDEX batches_unfinished ON truc.batches (entity, created_at)
  WHERE status IN ('queued', 'processing', 'held');
