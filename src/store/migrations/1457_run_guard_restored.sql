-- restoreguard (issue 7): a restore is a change. A run keeps, per school, how many deleted records its pages brought
-- back there, so its running counts weigh them with its changes across its pages (../../jobs/guard.ts `evaluate`).
ALTER TABLE truc.sync_run_guard ADD COLUMN restored integer NOT NULL DEFAULT 0;
