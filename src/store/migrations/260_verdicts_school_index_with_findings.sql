-- Issue 7 (first sync, PostgreSQL's share): every judged record keeps its last verdict, and a city's
-- are almost all clean (no findings). The index on `school_code` served only a school's findings list,
-- which reads the verdicts that have findings (a clean one lists nothing), yet every clean verdict paid
-- for an entry in it: a first-sync page writes ~1,000 (~1.2 ms of PostgreSQL's CPU a page). It now holds
-- the verdicts with findings only; the list asks for those (`findings <> '[]'`, src/store/quality.ts).
-- Scorecards count every verdict by reading the whole table, as before.
CREATE INDEX quality_records_school_findings ON truc.quality_records (school_code)
  WHERE findings <> '[]'::jsonb;
DROP INDEX truc.quality_records_school;
