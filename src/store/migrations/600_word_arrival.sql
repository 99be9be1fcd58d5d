-- Issue 7, review18 R1 / review18b R6 / review19 R19-7, R19-8 (order20): a vendor's batches are applied in the
-- order they arrived, not the order they are ingested. Each record row keeps the arrival of the word it holds:
-- `arrived_at`, the arrival (truc.batches.created_at) of the vendor batch that wrote it, or of the snapshot that
-- deleted it; NULL for a write of a pull or a tombstone of the city (their arrival is the write itself: truc read
-- the page in that transaction), and for every row written before this migration (the same fallback: its
-- updated_at, or deleted_at for a tombstone; no row is rewritten, adding a NULL column is instant).
-- truc.record_seen keeps the arrival of the latest batch that carried the record unchanged (NULL: seen_at).
-- A vendor batch's write carries the comparison in the statement itself (../word-arrival.ts): a row whose word
-- arrived after the batch is not written, whatever the batch read before (PostgreSQL re-checks the WHERE on the
-- newest row version after waiting for its lock).
ALTER TABLE truc.schools ADD COLUMN arrived_at timestamptz;
ALTER TABLE truc.classes ADD COLUMN arrived_at timestamptz;
ALTER TABLE truc.students ADD COLUMN arrived_at timestamptz;
ALTER TABLE truc.staff ADD COLUMN arrived_at timestamptz;
ALTER TABLE truc.persons ADD COLUMN arrived_at timestamptz;
ALTER TABLE truc.record_seen ADD COLUMN arrived_at timestamptz;
-- The keys a judged vendor delta batch carried (set with its repeat tag): a re-push of the same body judged at
-- once writes no record, and what it carried is these keys. A write of an older batch leaves them as they are.
ALTER TABLE truc.batches ADD COLUMN carried_keys text[];
