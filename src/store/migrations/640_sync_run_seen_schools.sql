-- review18b R2 (S2's hole): a school system's full run of every school reconciles only the schools its pages
-- listed. Each ingested page of a full run keeps, beside its keys, the schools its records name (as the
-- system sent them: the judged records', those skipped as unchanged and those still refused), written in the
-- same statement. Before, the schools were read from where the records the run carried live now, so a copy
-- the system lists at one school of a record truc holds at another made that other school count as walked.
-- A run whose pages were stored before this migration lists no school: its reconciliation deletes nothing at
-- any school (the next full run does).
ALTER TABLE truc.sync_run_seen ADD COLUMN schools text[] NOT NULL DEFAULT '{}';
