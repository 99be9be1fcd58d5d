-- fix37a (review33c N6): who asked for a quality run (its scorecards' run), by name, as a sync run's asker (1424): the
-- name as it was when they asked (store/actor-names.ts: a CLI operator's name, an API client's display name);
-- requested_by keeps the actor id (the API's requestedById). Runs asked for before: named the same way now (1424's
-- rule); a schedule's fire (schedule:<id>) keeps none (the id is shown).
ALTER TABLE truc.quality_runs ADD COLUMN requested_by_name text;
UPDATE truc.quality_runs r
   SET requested_by_name = CASE WHEN r.requested_by LIKE 'operator:cli:_%' THEN substr(r.requested_by, 14)
                                ELSE (SELECT c.name FROM truc.api_clients c WHERE c.id = r.requested_by) END
 WHERE r.requested_by LIKE 'operator:cli:_%' OR r.requested_by IN (SELECT id FROM truc.api_clients);
