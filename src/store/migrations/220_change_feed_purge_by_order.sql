-- Issue 7 (first sync, PostgreSQL's share): the change feed's index on `changed_at` served only the
-- nightly purge, and every change paid for it: a first-sync page writes ~1,000 feed rows, and their
-- entries in this index cost PostgreSQL ~3 ms of a page's ~25 ms INSERT (CPU, A/B in one backend).
-- The purge now walks the feed in its own order (the primary key (tx, seq): a transaction's changes
-- are stamped with its start, so that order is time order but for transactions running across the
-- cutoff, whose changes go the night after).
DROP INDEX truc.record_changes_time;
