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
import { describe, expect, it } from 'vitest';
import type { TrucWebhookBody } from '../../packages/client/src/index.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { WEBHOOK_EVENTS } from '../../src/store/webhooks.js';
import { bearer, goodBody, S1, student } from '../helpers/api.js';
import { useWebhookJobs, verified } from '../helpers/webhook-jobs.js';

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

const w = useWebhookJobs(); // PostgreSQL; the jobs are run here, one by one
const { h, drain } = w;

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
      payload: { url: w.hooks.url, events: [...WEBHOOK_EVENTS] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const sub = res.json<{ id: string; secret: string }>();
    w.hooks.received.length = 0;
    await raiseEveryEvent(sub.id);

    const seen = new Set<string>();
    for (const r of w.hooks.received) {
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
      expect(() => verified(sub.secret, r)).not.toThrow();
    }
    expect([...seen].sort()).toEqual([
      'batch.finished',
      'findings.ready',
      'master-data.changed',
      'webhook.ping',
    ]);
    // @truc/client types the bodies from the same section (a type error here if it did not).
    const finished = w.hooks.received
      .map((r) => JSON.parse(r.body) as TrucWebhookBody)
      .find((b): b is TrucWebhookBody<'batch.finished'> => b.type === 'batch.finished');
    const told: { sequence: number; status: 'held' | 'done' | 'failed' } | undefined = finished?.data;
    expect(told).toMatchObject({ sequence: 1, status: 'done' });
  });
});
