-- guard6 (issue 7 item 3): the records a sync run's pages tombstoned, one narrow row each (the run, the record's code,
-- the school it was deleted from; no personal data), written by the tombstone statement itself (no statement of its
-- own: src/store/record-deletions.ts). A later page of the same run bringing one back to that school undoes the
-- run's deletion rather than adding a restore to it (src/jobs/run-restores.ts): deleted then restored in one run was
-- counted twice, a deletion against `deleteRatio` and a restore against `changeRatio`. Read only for a page's
-- restores (none on a first sync); a finished run's rows go with the nightly purge (src/jobs/change-purge.ts).
CREATE TABLE truc.sync_run_deleted (
  sync_run_id bigint NOT NULL,
  record_key  text NOT NULL,
  school_code text NOT NULL,
  PRIMARY KEY (sync_run_id, record_key)
);
