-- review25 N7: a schedule's fire while an earlier run of its system, entity and scope is unfinished (queued,
-- running, held, or its reconciliation queued or held) requests no run: it is recorded as 'busy', with the
-- run it waited on in sync_run_id (three nightly smas runs were held at once on one school, one diff).
ALTER TABLE truc.schedule_fires DROP CONSTRAINT schedule_fires_outcome_check;
ALTER TABLE truc.schedule_fires ADD CONSTRAINT schedule_fires_outcome_check
  CHECK (outcome IN ('requested', 'paused', 'manual', 'busy'));
