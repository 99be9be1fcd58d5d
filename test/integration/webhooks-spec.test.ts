/**
 * The OpenAPI document's `webhooks` (api28) describe what truc really sends: real deliveries of every event
 * (`batch.finished`, `findings.ready`, `master-data.changed`, `webhook.ping`), made by the fan-out and delivery
 * jobs over PostgreSQL and captured by a receiver on loopback, validate against the committed
 * openapi/truc.v1.json: the body against its event's request body schema (objects closed: a field the code adds
 * and the spec does not name fails), each signature header against its parameter, and the signature verifies as
 * the spec says (Standard Webhooks).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrucWebhookBody } from '../../packages/client/src/index.js';
import { PROJECT_ROOT } from '../../src/config.js';
import type { JobRun } from '../../src/jobs/define.js';
import { webhookDeliverJob } from '../../src/jobs/webhook-deliver.js';
import { webhookFanoutJob } from '../../src/jobs/webhook-fanout.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { WEBHOOK_EVENTS } from '../../src/store/webhooks.js';
import { bearer, goodBody, S1, student, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Record<string, unknown>;
}
interface Doc {
  webhooks?: Record<string, { post?: { parameters?: Parameter[]; requestBody?: unknown } }>;
}

const SPEC = join(PROJECT_ROOT, 'openapi', 'truc.v1.json');
const doc = JSON.parse(readFileSync(SPEC, 'utf8')) as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(doc, 'truc.v1.json');

/** The spec's schema of one event's body, compiled against the whole document (its component refs). */
function bodySchemaOf(event: string) {
  expect(doc.webhooks?.[event]?.post, `webhooks.${event} in ${SPEC}`).toBeDefined();
  const pointer = `/webhooks/${event}/post/requestBody/content/application~1json/schema`;
  return ajv.compile({ $ref: `truc.v1.json#${pointer}` });
}

const h = useApiHarness(backends()[2]!); // PostgreSQL; the jobs are run here, one by one
let hooks: WebhookReceiver;

beforeAll(async () => {
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await hooks?.close();
});

const ctx = () => ({ db: h.env.deps.db, logger: pino({ level: 'silent' }), config: h.env.config });
const run = (outboxId: number): JobRun => ({
  id: undefined,
  queue: 'webhooks',
  name: 'x',
  attempt: 1,
  outboxId,
});

/** Runs every open webhook job in the outbox (fan-out first, then deliveries), like a worker would. */
async function drain(): Promise<void> {
  for (let round = 0; round < 5; round += 1) {
    const rows = await h.env.deps.db.query<{
      id: number;
      job_name: string;
      payload: Record<string, unknown>;
    }>(
      `SELECT id, job_name, payload FROM truc.outbox WHERE queue = 'webhooks' AND done_at IS NULL ORDER BY id`,
    );
    if (rows.rows.length === 0) return;
    for (const r of rows.rows) {
      const job = r.job_name === 'webhook-fanout' ? webhookFanoutJob : webhookDeliverJob;
      await job.run(ctx(), r.payload, run(r.id)).catch(() => undefined);
    }
  }
}

/** What one event's real deliveries raise: a finished batch with a finding, a change to a school, a ping. */
async function raiseEveryEvent(subscriptionId: string): Promise<void> {
  const pushed = await h.pushBatch(h.tokens.vendor, S1, goodBody(['WS1']));
  const batchId = pushed.json<{ batchId: string }>().batchId;
  await h.env.deps.db.tx(async (q) => {
    const batches = createBatchesRepo(q);
    await batches.insertFindings(batchId, [
      {
        recordIndex: 0,
        recordKey: 'WS1',
        criterion: 'dung',
        rule: 'DUNG_X',
        severity: 'warning',
        pointer: '/records/0/x',
        messageVi: 'x',
        messageEn: 'x',
      },
    ]);
    await batches.finish(batchId, { accepted: 1, rejected: 0, unchanged: 0 });
  });
  await h.env.deps.db.tx(async (q) => {
    const rec = student('WS2', S1);
    await createRecordsRepo(q).upsert(
      'students',
      [{ key: 'WS2', scope: S1, data: rec, fingerprint: fingerprint(rec) }],
      { system: 'hcm-csdl', mappingVersion: 'hcm-csdl@1' },
    );
  });
  const ping = await h.app.inject({
    method: 'POST',
    url: `/v1/webhooks/${subscriptionId}/ping`,
    headers: bearer(h.tokens.vendor),
  });
  expect(ping.statusCode, ping.body).toBe(202);
  await drain();
}

describe('OpenAPI webhooks: the spec describes the deliveries truc makes', () => {
  it('names every event a subscription may ask for, and the ping', () => {
    expect(Object.keys(doc.webhooks ?? {}).sort()).toEqual([...WEBHOOK_EVENTS, 'webhook.ping'].sort());
  });

  it('every delivered event validates against its schema and signature headers in openapi/truc.v1.json', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: { ...bearer(h.tokens.vendor), 'content-type': 'application/json' },
      payload: { url: hooks.url, events: [...WEBHOOK_EVENTS] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const sub = res.json<{ id: string; secret: string }>();
    hooks.received.length = 0;
    await raiseEveryEvent(sub.id);

    const seen = new Set<string>();
    for (const r of hooks.received) {
      const body = JSON.parse(r.body) as { type: string };
      seen.add(body.type);
      const validate = bodySchemaOf(body.type);
      expect(validate(body), `${body.type}: ${ajv.errorsText(validate.errors)}\n${r.body}`).toBe(true);
      for (const p of doc.webhooks![body.type]!.post!.parameters ?? []) {
        const value = r.headers[p.name];
        if (p.required) expect(value, `${body.type} header ${p.name}`).toBeTypeOf('string');
        const typed = p.schema.type === 'integer' ? Number(value) : value;
        const check = ajv.compile(p.schema);
        expect(check(typed), `${body.type} header ${p.name}=${String(value)}`).toBe(true);
      }
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((k) => [k, String(r.headers[k])]),
      );
      expect(() => new Webhook(sub.secret).verify(r.body, headers)).not.toThrow();
    }
    expect([...seen].sort()).toEqual([
      'batch.finished',
      'findings.ready',
      'master-data.changed',
      'webhook.ping',
    ]);
    // @truc/client types the bodies from the same section (a type error here if it did not).
    const finished = hooks.received
      .map((r) => JSON.parse(r.body) as TrucWebhookBody)
      .find((b): b is TrucWebhookBody<'batch.finished'> => b.type === 'batch.finished');
    const told: { sequence: number; status: 'held' | 'done' | 'failed' } | undefined = finished?.data;
    expect(told).toMatchObject({ sequence: 1, status: 'done' });
  });
});
