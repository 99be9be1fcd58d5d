-- issue 7 (speed): the stored-duplicate rule (SACH probable duplicate across batches) looked up every
-- current student born on any day of a batch, with the whole record: about a fifth of the city per
-- 1000-record page, so a pull's cost and memory grew with the number of students. Each student now
-- keeps its twin key (birth date and name key, computed by the quality module when it is written);
-- the lookup reads only the students of the batch's twin keys. Rows written before this migration
-- have none and are still found by birth date (that index now covers only them).
ALTER TABLE truc.students ADD COLUMN twin_key text;
CREATE INDEX students_twin_key ON truc.students (twin_key) WHERE deleted_at IS NULL AND twin_key IS NOT NULL;
DROP INDEX truc.students_birth_date;
CREATE INDEX students_birth_date ON truc.students ((data ->> 'birthDate'))
  WHERE deleted_at IS NULL AND twin_key IS NULL;
