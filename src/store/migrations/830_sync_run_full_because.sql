-- pullyear25 (issue 7): why a run is full. An incremental run requested with no watermark yet (a first run, a
-- schedule's first night) pulls everything, and reconciles, as a full run does: it was shown only as
-- `incremental: false`, like a run a city admin asked to be full. 'requested' (asked full), 'no_watermark' (asked
-- incremental, none kept for its system, entity and scope); NULL for an incremental run, and for a full run
-- requested before this migration (why is not known).
ALTER TABLE truc.sync_runs ADD COLUMN full_because text CHECK (full_because IN ('requested', 'no_watermark'));
