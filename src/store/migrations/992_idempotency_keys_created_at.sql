-- api28: Idempotency-Keys expire after api.idempotencyRetentionHours (src/store/idempotency.ts). The nightly purge
-- (src/jobs/change-purge.ts) deletes the expired ones oldest first in bounded chunks: each chunk finds its rows by
-- this index instead of scanning the table again. Keys are claimed in time order, so its inserts go to its right edge.
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON truc.idempotency_keys (created_at);
