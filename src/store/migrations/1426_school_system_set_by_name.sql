-- fix37a (review33c N6): who set a school's system, by name, as a sync run's asker (1424): the name as it was when
-- they set it (store/actor-names.ts: a CLI operator's name, an API client's display name); set_by keeps the actor id
-- (the API's setById). Systems set before: named the same way now (1424's rule); an actor truc knows no name of keeps
-- none (the id is shown).
ALTER TABLE truc.school_systems ADD COLUMN set_by_name text;
UPDATE truc.school_systems s
   SET set_by_name = CASE WHEN s.set_by LIKE 'operator:cli:_%' THEN substr(s.set_by, 14)
                          ELSE (SELECT c.name FROM truc.api_clients c WHERE c.id = s.set_by) END
 WHERE s.set_by LIKE 'operator:cli:_%' OR s.set_by IN (SELECT id FROM truc.api_clients);
