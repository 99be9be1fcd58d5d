-- Quality scorecards (issue 8): one run per computation, a scorecard per school, commune and province
-- in each run, kept for the history.
CREATE TABLE truc.quality_runs (
  id                bigserial PRIMARY KEY,
  computed_at       timestamptz NOT NULL DEFAULT now(),
  as_of             date NOT NULL,   -- today in Vietnam when computed
  school_year       text NOT NULL,
  catalogue_version text NOT NULL,
  requested_by      text NOT NULL
);

CREATE TABLE truc.quality_scores (
  run_id      bigint NOT NULL REFERENCES truc.quality_runs (id),
  level       text NOT NULL CHECK (level IN ('school', 'commune', 'province')),
  code        text NOT NULL,
  parent_code text NOT NULL DEFAULT '',
  records     integer NOT NULL,
  overall     numeric(5, 2) NOT NULL,
  band        text NOT NULL CHECK (band IN ('green', 'yellow', 'red')),
  card        jsonb NOT NULL,  -- the whole scorecard: ratios per criterion, top rules, deadlines
  PRIMARY KEY (run_id, level, code)
);
CREATE INDEX quality_scores_unit ON truc.quality_scores (level, code, run_id DESC);
CREATE INDEX quality_scores_parent ON truc.quality_scores (run_id, level, parent_code);
