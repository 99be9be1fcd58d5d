-- left19 item 4: a scope's watermark is the latest-requested run's. Runs of one scope can finish out of the
-- order they were requested in (a held run approved late), and the one finishing last overwrote a newer
-- run's watermark. Watermarks are opaque (a system's own cursor), so which is newer is told by the run that
-- saved it: a run requested before it (a smaller id) saves nothing. NULL: saved before this migration, or not
-- by a run; any run's watermark replaces it.
ALTER TABLE truc.sync_watermarks ADD COLUMN sync_run_id bigint;
