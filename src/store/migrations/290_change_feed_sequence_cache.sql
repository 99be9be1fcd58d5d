-- Issue 7 (first sync, PostgreSQL's share): every change-feed row takes its `seq` from the identity's
-- sequence, one nextval each, and a first-sync page writes ~1,000 of them: ~2 % of the page's upsert
-- (PostgreSQL's CPU, captured pages replayed A/B). The feed's order is (tx, seq): `seq` only orders a
-- transaction's own changes (a transaction runs in one session), so its values need be neither dense
-- nor in commit order across sessions: each session takes them a thousand at a time.
ALTER TABLE truc.record_changes ALTER COLUMN seq SET CACHE 1000;
