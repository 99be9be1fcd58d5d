-- Pulls from external systems: one sync run per (system, entity, scope) request, advanced page by
-- page; each page becomes a batch (format = the system) that the ordinary ingest processes. The
-- watermark of the last finished run is where the next incremental run starts.
CREATE TABLE truc.sync_runs (
  id            bigserial PRIMARY KEY,
  system        text NOT NULL,
  entity        text NOT NULL,
  scope         text NOT NULL DEFAULT '', -- school or commune code; '' = everything the system serves
  status        text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  since         text,
  cursor        text,
  pages         integer NOT NULL DEFAULT 0,
  records       integer NOT NULL DEFAULT 0,
  tombstones    integer NOT NULL DEFAULT 0,
  watermark     text,
  error_code    text,
  requested_by  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX sync_runs_recent ON truc.sync_runs (system, entity, scope, created_at DESC);

CREATE TABLE truc.sync_watermarks (
  system     text NOT NULL,
  entity     text NOT NULL,
  scope      text NOT NULL DEFAULT '',
  watermark  text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (system, entity, scope)
);

ALTER TABLE truc.batches ADD COLUMN sync_run_id bigint REFERENCES truc.sync_runs (id);
