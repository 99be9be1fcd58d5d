-- Precedence (c) (precc17): a school's own system (smas, vnedu) holds a record per school. A student the city
-- moves from school A to school B, both served by one system, is held there twice until truc's delete to A
-- arrives: what truc received from and sent to A is not what it sent to B. So truc.system_copies (510) is kept
-- per school too: one row per (system, entity, key, school). A delete sent to a school is noted on that school's
-- row only (the copy sent before is kept as `sent_prev_fp`, `sent_fp` becomes null, `sent_at` is set when the
-- system acknowledges: it holds nothing of the key there), so a move's delete to A never touches B's copies.
ALTER TABLE truc.system_copies ADD COLUMN school text;

-- The copies known so far were noted where truc holds each record now (a record moved since a copy was noted
-- cannot be told apart: its copy is filed under its present school, as 510 read it).
UPDATE truc.system_copies c SET school = r.school_code
  FROM truc.students r WHERE c.entity = 'students' AND r.student_code = c.key;
UPDATE truc.system_copies c SET school = r.school_code
  FROM truc.staff r WHERE c.entity = 'staff' AND r.staff_code = c.key;
UPDATE truc.system_copies c SET school = r.school_code
  FROM truc.classes r WHERE c.entity = 'classes' AND r.class_key = c.key;
-- A copy of a record truc no longer holds at all says nothing any more.
DELETE FROM truc.system_copies WHERE school IS NULL;

ALTER TABLE truc.system_copies ALTER COLUMN school SET NOT NULL;
ALTER TABLE truc.system_copies DROP CONSTRAINT system_copies_pkey;
ALTER TABLE truc.system_copies ADD PRIMARY KEY (system, entity, key, school);
