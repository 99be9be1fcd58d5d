-- Issue 7 (changed vendor re-push): an update of a student was never HOT (heap-only): the index on
-- the expression `data ->> 'birthDate'` (081) made PostgreSQL treat every change of `data` as a change
-- of an indexed column, so each changed record wrote a new entry in every index of the table (five).
-- The birth date is now a stored generated column, and the index is on it: a record whose birth date
-- did not change can be updated in place when its page has room. Fillfactor 80 leaves that room on
-- students and staff pages (about two rows a page): the city's tables are about a quarter larger,
-- and a changed record's indexes are rewritten only when its page is full.
ALTER TABLE truc.students SET (fillfactor = 80);
ALTER TABLE truc.staff SET (fillfactor = 80);
DROP INDEX truc.students_birth_date;
ALTER TABLE truc.students ADD COLUMN birth_date text GENERATED ALWAYS AS (data ->> 'birthDate') STORED;
CREATE INDEX students_birth_date ON truc.students (birth_date) WHERE deleted_at IS NULL AND twin_key IS NULL;
