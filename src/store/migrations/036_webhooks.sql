-- Webhooks (issue 9): a client subscribes a URL to events of its schools; each event becomes one
-- delivery per subscription, sent and retried by the webhook-deliver job. Payloads hold ids, codes and
-- counts only, never personal data.
CREATE TABLE truc.webhook_subscriptions (
  id          uuid PRIMARY KEY,
  client_id   text NOT NULL REFERENCES truc.api_clients (id),
  url         text NOT NULL,
  events      text[] NOT NULL,
  -- The Standard Webhooks signing secret (whsec_…): shown once at creation; needed to sign.
  secret      text NOT NULL,
  disabled    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_subscriptions_client ON truc.webhook_subscriptions (client_id);

CREATE TABLE truc.webhook_deliveries (
  id              uuid PRIMARY KEY, -- the webhook-id header: receivers deduplicate on it
  subscription_id uuid NOT NULL REFERENCES truc.webhook_subscriptions (id) ON DELETE CASCADE,
  event           text NOT NULL,
  payload         jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_status     integer,
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX webhook_deliveries_subscription ON truc.webhook_deliveries (subscription_id, created_at DESC);

-- Events are raised by triggers, in the transaction of what they report, as outbox rows for the
-- webhook-fanout job; only while someone subscribes to them, so unsubscribed traffic costs one probe.
CREATE FUNCTION truc.webhook_batch_finished() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM truc.webhook_subscriptions
              WHERE NOT disabled AND client_id = NEW.client_id
                AND events && ARRAY['batch.finished', 'findings.ready']) THEN
    INSERT INTO truc.outbox (queue, job_name, payload)
    VALUES ('webhooks', 'webhook-fanout', jsonb_build_object('event', 'batch.finished', 'batchId', NEW.id::text));
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER batches_webhook AFTER UPDATE OF status ON truc.batches
  FOR EACH ROW WHEN (NEW.status IN ('done', 'failed') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION truc.webhook_batch_finished();

-- One event per school and entity a statement changed, with the change-feed position just before its
-- first change, so the receiver reads exactly those changes (and any after) from GET /v1/changes.
CREATE FUNCTION truc.webhook_master_data_changed() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF EXISTS (SELECT 1 FROM truc.webhook_subscriptions
              WHERE NOT disabled AND 'master-data.changed' = ANY (events)) THEN
    INSERT INTO truc.outbox (queue, job_name, payload)
    SELECT 'webhooks', 'webhook-fanout',
           jsonb_build_object('event', 'master-data.changed', 'schoolCode', school_code, 'entity', entity,
                              'count', count(*)::int, 'tx', min(tx)::text, 'seq', (min(seq) - 1)::text)
      FROM new_rows GROUP BY school_code, entity;
  END IF;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER record_changes_webhook AFTER INSERT ON truc.record_changes REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION truc.webhook_master_data_changed();
