-- fixes26b: a schedule's scope may name a school truc does not hold yet (a schedule is config, and may come
-- before the school's own pull brings it in). Such a fire requests no run (its run would end done with nothing,
-- read as synced): it is recorded 'refused' with the reason's code in error_code (ERR_SCOPE_UNKNOWN), so
-- GET /v1/schedules lastRun and `truc schedules list` say why nothing ran.
ALTER TABLE truc.schedule_fires DROP CONSTRAINT schedule_fires_outcome_check;
ALTER TABLE truc.schedule_fires ADD CONSTRAINT schedule_fires_outcome_check
  CHECK (outcome IN ('requested', 'paused', 'manual', 'busy', 'refused'));
ALTER TABLE truc.schedule_fires ADD COLUMN error_code text;
