-- Issue 7 item 3 (split23): a vendor's changes to a school are weighed together over a window (config
-- `guard.vendorWindowHours`, src/jobs/vendor-window.ts), not each batch alone. What a judged batch changed is
-- already in the change feed (migration 035: keys per school, entity and operation, by writing transaction);
-- the batch now keeps the id of the transaction that wrote its records (`xact`, set by the statement that
-- finishes it; NULL when it wrote none: an unchanged batch, a held one, one finished before this migration), so
-- the window's changes are the feed rows of its school's vendor batches' transactions, found through the batches'
-- (school_code, created_at) index and the feed's primary key (tx, seq). No new table: the keys stay where they are.
ALTER TABLE truc.batches ADD COLUMN xact xid8;
