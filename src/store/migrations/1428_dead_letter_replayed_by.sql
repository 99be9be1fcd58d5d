-- fix37a (review33c N6): who replayed a dead letter, by id and by name as it was when they replayed it, as a sync
-- run's asker (1424): replayed_by the actor id (an API client's id, operator:cli:<name>), replayed_by_name its name
-- (store/actor-names.ts). Letters replayed before: their replay's audit entry (dead_letters.replayed, which lists up to
-- 100 ids) says who; named by the entry's actor_name (1425), else by 1424's rule now; a letter no entry lists keeps
-- neither (null: unknown).
ALTER TABLE truc.dead_letters ADD COLUMN replayed_by text, ADD COLUMN replayed_by_name text;
UPDATE truc.dead_letters d
   SET replayed_by = a.actor,
       replayed_by_name = COALESCE(a.actor_name,
                                   CASE WHEN a.actor LIKE 'operator:cli:_%' THEN substr(a.actor, 14)
                                        ELSE (SELECT c.name FROM truc.api_clients c WHERE c.id = a.actor) END)
  FROM (SELECT DISTINCT ON (i.id) i.id::bigint AS id, l.actor, l.actor_name
          FROM truc.audit_log l CROSS JOIN LATERAL jsonb_array_elements_text(l.details -> 'ids') i(id)
         WHERE l.action = 'dead_letters.replayed' AND i.id ~ '^[0-9]{1,18}$'
         ORDER BY i.id, l.seq DESC) a
 WHERE d.id = a.id AND d.replayed_at IS NOT NULL;
