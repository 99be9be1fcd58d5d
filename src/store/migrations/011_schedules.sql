-- Issue 7: schedules. The schedules themselves are configuration (sync.schedules) and BullMQ job
-- schedulers; here is what must survive a Redis flush and be shared by every replica: whether a city
-- admin paused one, and every fire — at most one row per (schedule, fire time), so a fire delivered
-- twice requests one sync run and is counted as a duplicate.
CREATE TABLE truc.schedules (
  id            text PRIMARY KEY,
  paused        boolean NOT NULL DEFAULT false,
  paused_by     text,
  paused_at     timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE truc.schedule_fires (
  schedule_id   text NOT NULL,
  fire_at       timestamptz NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('requested', 'paused', 'manual')),
  sync_run_id   bigint REFERENCES truc.sync_runs (id),
  duplicates    integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, fire_at)
);
