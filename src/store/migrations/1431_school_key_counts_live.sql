-- Issue 7 (changed vendor re-push, perfpg): a school's live students and staff are counted from its (school, key) index
-- alone, which now carries each row's deleted_at (INCLUDE), and the partial indexes of 1406 (`*_school_live`) go. Those
-- were an index more that every write of a row that is not heap-only (HOT) adds an entry to: a COPY or insert of a new
-- student, and about two thirds of a changed batch's updates at fillfactor 75 (470). pg-replay of a changed 1000-student
-- batch's UPDATE (captured by vendor-cpu, 3 rounds of 24, load 13): PostgreSQL CPU 21.19 -> 20.10 ms a statement. The
-- counts (the schools list, 1406; the mass-change guard's live count of a batch's schools) stay index-only scans: the
-- school's entries are read with their deleted_at and the tombstones skipped (a school's few more entries than its live
-- rows). deleted_at was already a column that makes an update not HOT when it changes (the partial indexes' predicates),
-- so which updates are HOT does not change. The (school, key) index is rebuilt: at the city's 1.7 M students, seconds.
CREATE INDEX students_school_key_live ON truc.students (school_code, student_code) INCLUDE (deleted_at);
DROP INDEX truc.students_school_key;
ALTER INDEX truc.students_school_key_live RENAME TO students_school_key;
DROP INDEX truc.students_school_live;
CREATE INDEX staff_school_key_live ON truc.staff (school_code, staff_code) INCLUDE (deleted_at);
DROP INDEX truc.staff_school_key;
ALTER INDEX truc.staff_school_key_live RENAME TO staff_school_key;
DROP INDEX truc.staff_school_live;
