-- fix35a (fix34e item 4, review33c N6): who decided a guard hold, by name, as PCGD reports name their approver. The
-- name is kept as it was when the decision was taken (store/actor-names.ts: a CLI operator's name, an API client's
-- display name); decided_by keeps the actor id (the API's decidedById). Holds decided before: named the same way now.
ALTER TABLE truc.guard_holds ADD COLUMN decided_by_name text;
UPDATE truc.guard_holds h
   SET decided_by_name = CASE WHEN h.decided_by LIKE 'operator:cli:_%' THEN substr(h.decided_by, 14)
                              ELSE (SELECT c.name FROM truc.api_clients c WHERE c.id = h.decided_by) END
 WHERE h.decided_by IS NOT NULL;
