-- fixes26d (review26a F8): `truc targets forget` judged "still configured" by the operator's shell, not by the
-- running truc. Each worker process records here the push targets it is configured for (it delivers to them),
-- with a heartbeat: seen_at is refreshed while it runs and its rows go when it stops cleanly. forget refuses a
-- target a worker served within a bounded recent window (src/jobs/served-targets.ts).
CREATE TABLE truc.served_targets (
  worker text NOT NULL,
  system text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (worker, system)
);
CREATE INDEX served_targets_system ON truc.served_targets (system, seen_at);
