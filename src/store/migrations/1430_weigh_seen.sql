-- fix35b (fix34c item 2): what a held full run's weighed pages saw, so its reconciliation (the deletions the run's end
-- would make for records the source no longer has) is weighed ahead, into the same hold: one hold, one decision. One
-- narrow row a page (the held page's and each weighed page's), as truc.sync_run_seen keeps the run's applied pages:
-- the keys its records held, those of its records that did not map, the schools they named, and the live records
-- its tombstones would delete (`gone`). Written with the hold and as the weighing goes (it resumes with them), read
-- once the weighing reaches the run's end, dropped when the weighing ends. Codes only, no personal data.
CREATE TABLE truc.weigh_seen (
  hold_id bigint NOT NULL REFERENCES truc.guard_holds (id) ON DELETE CASCADE,
  page_no integer NOT NULL,
  keys    text[] NOT NULL,
  unkeyed integer NOT NULL DEFAULT 0,
  schools text[] NOT NULL DEFAULT '{}',
  gone    text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (hold_id, page_no)
);
DO $$
BEGIN
  ALTER TABLE truc.weigh_seen ALTER COLUMN keys SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END
$$;
