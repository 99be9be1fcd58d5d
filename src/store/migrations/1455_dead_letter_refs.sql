-- walk (issue 7): a push dead letter said only pushSetId=5, not which batch, school or entity it came from. Its own
-- references are kept when it is written (src/jobs/dead-letters.ts letterRefsOf): ids and codes only, never personal
-- data. Letters written before this have none (null): they show only what their job carried.
ALTER TABLE truc.dead_letters ADD COLUMN refs jsonb;
