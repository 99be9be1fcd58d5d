-- runs2 (issue 7 item 6): a push set names the sync run that caused it, so a run's deliveries (GET /v1/syncs/{id},
-- src/store/sync-run-reads.ts runDeliveries) count every set the run made: its pulled pages' (their batch's run) and
-- its reconciliation's deletes, which have no batch (they were left out: a full run that deleted vanished students
-- showed no delivery of those deletions). Null: no run caused it (a vendor's batch, a re-key of a vendor's batch).
ALTER TABLE truc.push_sets ADD COLUMN sync_run_id bigint REFERENCES truc.sync_runs (id);
-- The sets made before: a pulled page's, by its batch's run; a reconciliation's, by its sync.reconciled audit entry
-- (its details list the sets it queued, its subject is sync:<id>). A run whose entry is not there keeps none.
UPDATE truc.push_sets s SET sync_run_id = b.sync_run_id
  FROM truc.batches b
 WHERE b.id = s.batch_id AND b.sync_run_id IS NOT NULL;
UPDATE truc.push_sets s SET sync_run_id = a.run
  FROM (SELECT DISTINCT ON (p.id) p.id::bigint AS id, substr(l.subject, 6)::bigint AS run
          FROM truc.audit_log l CROSS JOIN LATERAL jsonb_array_elements_text(l.details -> 'pushSets') p(id)
         WHERE l.action = 'sync.reconciled' AND l.subject ~ '^sync:[0-9]{1,18}$'
           AND jsonb_typeof(l.details -> 'pushSets') = 'array' AND p.id ~ '^[0-9]{1,18}$'
         ORDER BY p.id, l.seq DESC) a
 WHERE s.id = a.id AND s.batch_id IS NULL AND s.sync_run_id IS NULL
   AND EXISTS (SELECT 1 FROM truc.sync_runs r WHERE r.id = a.run);
CREATE INDEX push_sets_sync_run ON truc.push_sets (sync_run_id) WHERE sync_run_id IS NOT NULL;
