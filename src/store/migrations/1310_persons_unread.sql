-- Surveyed persons with a column truc could not read (`unread` in the canonical record, kept in the commune's
-- population) are few; a report counts them per commune (src/store/pcgd-counting-sql.ts unreadCountsSql)
-- through this partial index instead of reading every person's record.
CREATE INDEX persons_unread ON truc.persons (commune_code) WHERE data ? 'unread';
