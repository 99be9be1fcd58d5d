-- fix36d: a quality run is a resource from its request on (GET /v1/quality/runs/{id}): its row is written when it is
-- requested (POST /v1/quality/runs, a quality schedule's fire), marked when its job starts and filled in when computed.
-- A row not computed yet has no as_of, school year, catalogue version or computed_at; the scorecards' "latest run" is
-- the latest computed one. `schools`: the schools it scored (set when computed; counted for the runs before).
ALTER TABLE truc.quality_runs
  ALTER COLUMN computed_at DROP NOT NULL,
  ALTER COLUMN computed_at DROP DEFAULT,
  ALTER COLUMN as_of DROP NOT NULL,
  ALTER COLUMN school_year DROP NOT NULL,
  ALTER COLUMN catalogue_version DROP NOT NULL,
  ADD COLUMN requested_at timestamptz,
  ADD COLUMN started_at timestamptz,
  ADD COLUMN schools integer;
UPDATE truc.quality_runs r
   SET requested_at = r.computed_at, started_at = r.computed_at,
       schools = (SELECT count(*) FROM truc.quality_scores s WHERE s.run_id = r.id AND s.level = 'school');
ALTER TABLE truc.quality_runs ALTER COLUMN requested_at SET NOT NULL, ALTER COLUMN requested_at SET DEFAULT now();
CREATE INDEX quality_runs_computed ON truc.quality_runs (id) WHERE computed_at IS NOT NULL;
CREATE INDEX quality_runs_requested ON truc.quality_runs (requested_at);
