-- fix35a (review33c N6): who paused a schedule, by name, as a guard hold's decider (1422) and a PCGD report's approver
-- are named: the name as it was when they paused it (store/actor-names.ts); paused_by keeps the actor id (the API's
-- pausedById). Schedules paused before: named the same way now.
ALTER TABLE truc.schedules ADD COLUMN paused_by_name text;
UPDATE truc.schedules s
   SET paused_by_name = CASE WHEN s.paused_by LIKE 'operator:cli:_%' THEN substr(s.paused_by, 14)
                             ELSE (SELECT c.name FROM truc.api_clients c WHERE c.id = s.paused_by) END
 WHERE s.paused_by IS NOT NULL;
