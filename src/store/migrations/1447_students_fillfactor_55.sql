-- Issue 7 (changed vendor re-push, perfpg2): students are stored a little over half a page full (fillfactor 55; 75
-- since 470). A vendor batch that changes a whole school rewrites every row of each of its pages; at 75 a page has room
-- for new versions of a third of them, the rest go to another page with an entry in each of the students' four
-- indexes (the key, (school, key), the personal ID's and the twin key's hashes); at 55 ~85 % stay on their page (HOT:
-- no index entry). Measured (README Operations, "Students' fill factor"): a changed 1000-student batch's PostgreSQL
-- CPU 42.9 -> 34.4 ms, a P4 batch's 37.6 -> 37.6, the city's first sync's heap +33 %.
-- Existing rows do not move (rows written from now on are placed so; VACUUM FULL or pg_repack rewrites the table).
ALTER TABLE truc.students SET (fillfactor = 55);
