-- Issue 7 (unchanged vendor re-push): whether a school's records are still as a judged vendor batch left
-- them was a digest of every live record of the school (~130 heap pages read, 1,000 keys sorted and
-- hashed: ~3 ms of PostgreSQL's CPU on every repeat, and again in the closing statement of every judged
-- batch). The change feed (migration 035) already has a row for every create, change, move and delete
-- of a school's records, written by the same statement as the change. A judged batch now keeps the
-- snapshot of its closing statement and its own transaction id: the school is unchanged while no feed
-- row of it comes from a transaction that snapshot did not see (other than the batch's own), which is
-- one probe of the feed's (school_code, tx, seq) index. `repeat_tag` keeps the rest of what a repeat
-- depends on (mapping and rule versions, the day in Vietnam). Batches judged before this migration have
-- no snapshot: their repeats are judged in full once.
ALTER TABLE truc.batches
  ADD COLUMN repeat_snapshot pg_snapshot,
  ADD COLUMN repeat_xact xid8;
