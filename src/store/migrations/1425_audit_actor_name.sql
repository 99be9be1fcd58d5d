-- fix36b (review33c N6): who did it, by name, in the audit log as in a sync run's requestedBy (1424): the actor's
-- name as it was when the event was recorded (store/actor-names.ts: a CLI operator's name, an API client's display
-- name), beside the actor id. Kept outside the hash chain (a row's hash covers seq, at, actor, action, subject and
-- details, as before: the chain of every row written before verifies unchanged). Recorded events carry it from
-- audit_pending. The log is append-only (001_init's triggers refuse an UPDATE): rows written before have no name.
ALTER TABLE truc.audit_log ADD COLUMN actor_name text;
ALTER TABLE truc.audit_pending ADD COLUMN actor_name text;
