-- Issue 7 (the quality facts of every students batch): the stored-duplicate rule matches a record holding a
-- personal ID only with a stored twin holding none (src/quality/rules/sach-duplicates.ts). Each asker's probe of
-- the twin-key index (410) met its own stored row, fetched it and dropped it: ~1,000 heap fetches a re-sent
-- 1000-student batch for nothing. The askers holding an ID probe this index instead, which holds only the
-- students without one (few: no entry is written for a student with an ID); the others probe 410's as before.
-- No new column is indexed (twin_key, personal_id and deleted_at already are), so no update that was HOT stops
-- being HOT.
CREATE INDEX students_twin_key_without_id ON truc.students USING hash (twin_key)
  WHERE deleted_at IS NULL AND twin_key IS NOT NULL AND personal_id IS NULL;
