-- A quality run scores its schools a slice at a time (fix37c, `quality.runSliceSchools`, default 100), and each slice
-- counts its schools' verdicts, clean ones included (src/store/scorecards.ts verdictCounts). Only the verdicts with
-- findings were indexed by school (migration 260), so every slice read the whole table: a city's 2,000 schools, 20
-- slices, 20 scans of every verdict (EXPLAIN at 3,000 schools x 100 verdicts: a parallel Seq Scan reading all 300,000
-- rows to keep 10,000). Now each slice reads only its schools' rows through this index. Its price is an entry per
-- verdict inserted (a first sync's page: 1,000, ~1.2 ms of PostgreSQL's CPU as migration 260 measured); a changed
-- batch rewrites only the verdicts that changed, and an update keeping its school stays HOT-eligible for it.
CREATE INDEX quality_records_school_all ON truc.quality_records (school_code);
