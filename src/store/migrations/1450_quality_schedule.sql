-- fix35d: a schedule may compute the quality scorecards (`kind: quality`). Its fire requests a quality run, an outbox
-- row of the quality-scorecards job: the fire keeps that row's id (`outbox_id`; a busy fire the row of the run it
-- found unfinished), and the run it computed keeps the same id, so a schedule's last fire names the run it made.
ALTER TABLE truc.schedule_fires ADD COLUMN outbox_id bigint;
ALTER TABLE truc.quality_runs ADD COLUMN outbox_id bigint;
CREATE INDEX quality_runs_outbox ON truc.quality_runs (outbox_id) WHERE outbox_id IS NOT NULL;
