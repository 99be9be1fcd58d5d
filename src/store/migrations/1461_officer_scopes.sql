-- fix7 (walk6b W6b-1 follow-up): a PCGD officer's default scopes lost `batches:read` at fd68e744 (every route of it
-- reads a batch of a school the caller holds, and an officer holds none: it opened nothing), but the officers created
-- before kept it, listed as theirs by GET /v1/admin/clients, `truc clients list` and the dashboard. Each officer is
-- brought to today's role scopes by dropping it; an officer's other scopes, given or defaulted, stay as they are. No
-- other role is touched (a vendor's and a city admin's `batches:read` open their schools' batches).
UPDATE truc.api_clients
   SET scopes = array_remove(scopes, 'batches:read'), updated_at = now()
 WHERE role = 'pcgd-officer' AND 'batches:read' = ANY (scopes);
