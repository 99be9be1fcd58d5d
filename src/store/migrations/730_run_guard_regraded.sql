-- roll23 (issue 7 item 3): in the rollover window only a student's grade and class changes relax the guard's
-- changed-records threshold; any other change is weighed as on any day. A run keeps, per school, how many of the
-- changes its pages made were such regrades, so its running counts weigh the two apart across its pages.
ALTER TABLE truc.sync_run_guard ADD COLUMN regraded integer NOT NULL DEFAULT 0;
