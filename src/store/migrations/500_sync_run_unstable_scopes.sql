-- review15 BUG 7: the schools a run's listing gave up on because their set kept changing between their
-- pages (a page-number listing over a set that shrinks skips records; the walker lists such a school again
-- from its first page a few times first). A full run's reconciliation deletes nothing of them.
ALTER TABLE truc.sync_runs ADD COLUMN unstable_scopes text[] NOT NULL DEFAULT '{}';
