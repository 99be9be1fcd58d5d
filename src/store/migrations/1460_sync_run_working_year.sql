-- fix36a (fix35e item 6): the Ministry's PCGD-XMC working year a pull of a commune's survey persons (moet-pcgd
-- `persons`) read its persons of: `GET /v1/working-year` read when the run began (every page asks for that year;
-- a resumed page takes it from its cursor), kept by the run's advance (src/store/sync-runs.ts ADVANCE). The
-- persons-year check (src/reporting/pcgd/persons-year.ts) compares it with a report's year; null for a run of
-- another system, and for a persons pull made before this migration (judged by its finish time, as before).
ALTER TABLE truc.sync_runs ADD COLUMN working_year smallint;
