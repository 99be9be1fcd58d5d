-- Issue 7 (changed vendor re-push, and every batch of students): the quality facts of a batch probe the
-- students' personal-ID index once per record (`activeHolders`) and the twin-key index once per record
-- (`bornOn`), ~1,000 probes each a batch. A btree probe compares text keys all the way down (under a
-- C.UTF-8 or other libc collation each comparison is a strcoll); a hash index compares 4-byte hashes.
-- Both columns are only ever compared for equality (= and = ANY), so hash indexes serve every query.
-- Measured (test/bench/lib/facts-ab.ts, alternated, backend CPU): the facts statement of a 1000-student
-- batch at 250 k students 29.1 -> 22.6 ms (0.78); a 1000-row insert of new students (captured, replayed)
-- 59.1 -> 52.0 ms (0.89), the indexes a little smaller. The lookups' plans are unchanged: one index probe
-- per record (quality-facts.ts), which needs no table statistics.
DROP INDEX truc.students_personal_id;
CREATE INDEX students_personal_id ON truc.students USING hash (personal_id) WHERE personal_id IS NOT NULL;
DROP INDEX truc.students_twin_key;
CREATE INDEX students_twin_key ON truc.students USING hash (twin_key) WHERE deleted_at IS NULL AND twin_key IS NOT NULL;
