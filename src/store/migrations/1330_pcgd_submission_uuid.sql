-- fix32a: a report version's idempotency key toward the Ministry (src/jobs/pcgd-submit.ts submissionKey) was
-- `truc-pcgd-report-<id>` alone: after a database restore the sequence hands a new version an id the Ministry
-- has already seen a key of, and its figures are refused (IDEMPOTENCY_KEY_REUSED) or the old receipt replayed.
-- Each version gets a random uuid of its own, kept with it (a restore brings back its row, uuid and all), and the
-- key carries it. Versions made before this migration keep no uuid and their old key (one in flight stays the same).
ALTER TABLE truc.pcgd_reports ADD COLUMN submission_uuid uuid;
ALTER TABLE truc.pcgd_reports ALTER COLUMN submission_uuid SET DEFAULT gen_random_uuid();
