-- review26b F5: the `batch.finished` webhook tells the status GET /v1/batches/{id} shows (src/jobs/batch-status.ts),
-- and tells it again each time that status changes after it was first told: a snapshot's held deletions decided
-- (approved, then applied; or rejected), a delivery to a target dead-lettered later, or replayed and delivered.
--
-- What the webhook last told of a batch: its sequence (1 for the first event, one more for each later one; a
-- receiver keeps the highest) and the status it told (src/jobs/webhook-fanout.ts `toldKey`). The fan-out locks
-- the row before it reads the batch, so of two events of one batch the later tells what the first did not.
CREATE TABLE truc.webhook_batch_told (
  batch_id  uuid PRIMARY KEY REFERENCES truc.batches (id) ON DELETE CASCADE,
  sequence  integer NOT NULL,
  told      text NOT NULL,
  told_at   timestamptz NOT NULL DEFAULT now()
);

-- A batch held whole (its row `held`, nothing applied until a city admin approves) is told too: GET says held.
DROP TRIGGER batches_webhook ON truc.batches;
CREATE TRIGGER batches_webhook AFTER UPDATE OF status ON truc.batches
  FOR EACH ROW WHEN (NEW.status IN ('done', 'failed', 'held') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION truc.webhook_batch_finished();

-- A batch's hold decided or applied, or one of its push sets dead-lettered, replayed or delivered: a
-- `batch.changed` outbox row for the fan-out, which tells `batch.finished` again when GET's status changed.
-- Only while the batch's client subscribes to `batch.finished`.
CREATE FUNCTION truc.webhook_batch_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM truc.batches b JOIN truc.webhook_subscriptions s ON s.client_id = b.client_id
              WHERE b.id = NEW.batch_id AND NOT s.disabled AND 'batch.finished' = ANY (s.events)) THEN
    INSERT INTO truc.outbox (queue, job_name, payload)
    VALUES ('webhooks', 'webhook-fanout', jsonb_build_object('event', 'batch.changed', 'batchId', NEW.batch_id::text));
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER guard_holds_webhook AFTER UPDATE OF status, applied_at ON truc.guard_holds
  FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL
                     AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.applied_at IS DISTINCT FROM NEW.applied_at))
  EXECUTE FUNCTION truc.webhook_batch_changed();
CREATE TRIGGER push_sets_webhook AFTER UPDATE OF failed_at, delivered_at ON truc.push_sets
  FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL
                     AND (OLD.failed_at IS DISTINCT FROM NEW.failed_at
                          OR OLD.delivered_at IS DISTINCT FROM NEW.delivered_at))
  EXECUTE FUNCTION truc.webhook_batch_changed();
