-- fix37c: a quality run scores its schools a slice at a time, each slice committed (src/jobs/scorecards.ts), so its
-- progress is real while it runs (GET /v1/quality/runs/{id} `schools`: scored so far of the total). `schools_total`:
-- the schools it has to score, counted when its job (re)starts (null for a run of before: its `schools` once done).
-- `quality_scores.counts`: what a school's card was scored from (src/store/scorecards.ts SchoolCountsRow), kept
-- while its run is unfinished so that its communes and provinces are summed from exactly the schools' scored
-- counts, and a run resumed after a crash goes on from the schools it scored; cleared when the run is done.
ALTER TABLE truc.quality_runs ADD COLUMN schools_total integer;
ALTER TABLE truc.quality_scores ADD COLUMN counts jsonb;
