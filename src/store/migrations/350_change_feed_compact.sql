-- Issue 7 (first sync and changed re-push, PostgreSQL's share): the change feed (migration 035) wrote one
-- row per changed record, ~1,000 a page of a first sync or a changed batch, each with its heap tuple, its
-- primary-key and school index entries and its sequence number. It now writes one row per statement,
-- entity, school and operation, holding the records' keys as an array in key order. What the feed serves
-- is unchanged: `GET /v1/changes` unnests the rows (src/store/reads.ts), and its cursor becomes a position
-- inside a row (row, keys served of it); a cursor issued before this migration names a whole row and keeps
-- meaning "after that row".
--
-- Order inside one statement: its deletes first (a record moving to another school is a delete for the old
-- school and a create for the new one, in that order, as before), then its creates and updates, by school;
-- each row's keys in key order. The order of statements and transactions is as before: (tx, seq).
--
-- Existing rows become rows of one key each (same tx, seq, school, operation, time), so every cursor and
-- every webhook position handed out before stays exact. The conversion rewrites the table once.
-- `key_count` is the array's length, kept beside it so that a page of the feed finds the rows it needs
-- without reading the arrays it does not serve.
ALTER TABLE truc.record_changes
  ALTER COLUMN record_key TYPE text[] USING ARRAY[record_key],
  ADD COLUMN key_count integer NOT NULL DEFAULT 1;
ALTER TABLE truc.record_changes ALTER COLUMN key_count DROP DEFAULT;
ALTER TABLE truc.record_changes RENAME COLUMN record_key TO record_keys;
ALTER TABLE truc.record_changes
  ADD CONSTRAINT record_changes_keys CHECK (key_count > 0 AND key_count = cardinality(record_keys));
-- A page's array (~1,000 keys, ~15 KB) goes out of line uncompressed: compressing it cost the INSERT more
-- than storing it (captured first-sync pages replayed: pglz 0.918 of the old feed, lz4 0.883-0.897,
-- uncompressed 0.891-0.898), and the embedded database has no lz4.
ALTER TABLE truc.record_changes ALTER COLUMN record_keys SET STORAGE EXTERNAL;

-- A move is a delete for the old school and a create for the new one; a tombstone is a delete; a restored
-- record is a create; an unchanged rewrite is nothing (as in migration 035).
-- Arguments: entity name, key column, school column.
CREATE OR REPLACE FUNCTION truc.log_record_changes() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'INSERT' THEN
    EXECUTE format(
      $q$INSERT INTO truc.record_changes (entity, school_code, op, record_keys, key_count)
         SELECT %1$L, n.%3$I, 'create', array_agg(n.%2$I ORDER BY n.%2$I), count(*)
           FROM new_rows n WHERE n.deleted_at IS NULL
          GROUP BY n.%3$I ORDER BY n.%3$I$q$,
      TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
  ELSE
    EXECUTE format(
      $q$INSERT INTO truc.record_changes (entity, school_code, op, record_keys, key_count)
         SELECT %1$L, c.s, c.op, array_agg(c.k ORDER BY c.k), count(*) FROM (
           SELECT n.%2$I AS k, o.%3$I AS s, 'delete' AS op, 1 AS ord
             FROM new_rows n JOIN old_rows o ON o.%2$I = n.%2$I
            WHERE o.deleted_at IS NULL AND (n.deleted_at IS NOT NULL OR o.%3$I <> n.%3$I)
           UNION ALL
           SELECT n.%2$I, n.%3$I,
                  CASE WHEN o.deleted_at IS NULL AND o.%3$I = n.%3$I THEN 'update' ELSE 'create' END, 2
             FROM new_rows n JOIN old_rows o ON o.%2$I = n.%2$I
            WHERE n.deleted_at IS NULL
              AND (o.deleted_at IS NOT NULL OR o.%3$I <> n.%3$I OR o.fingerprint <> n.fingerprint)
         ) c GROUP BY c.ord, c.s, c.op ORDER BY c.ord, c.s, c.op$q$,
      TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
  END IF;
  RETURN NULL;
END
$fn$;

-- One `master-data.changed` event per school and entity a statement changed (migration 036): its count is
-- the records changed, no longer the feed rows; its position is still "after the row before the first".
CREATE OR REPLACE FUNCTION truc.webhook_master_data_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM truc.webhook_subscriptions
              WHERE NOT disabled AND 'master-data.changed' = ANY (events)) THEN
    INSERT INTO truc.outbox (queue, job_name, payload)
    SELECT 'webhooks', 'webhook-fanout',
           jsonb_build_object('event', 'master-data.changed', 'schoolCode', school_code, 'entity', entity,
                              'count', sum(key_count)::int, 'tx', min(tx)::text,
                              'seq', (min(seq) - 1)::text)
      FROM new_rows GROUP BY school_code, entity;
  END IF;
  RETURN NULL;
END
$fn$;
