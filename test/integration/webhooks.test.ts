/**
 * Webhooks end to end over PostgreSQL and real HTTP on loopback (issue 9): a vendor subscribes; a
 * finished batch and a change to one of its schools raise events (database triggers → outbox rows);
 * the fan-out and delivery jobs send them signed the Standard Webhooks way to a receiver that verifies
 * each with the library; a failing receiver is retried until it answers; another vendor hears nothing;
 * deliveries are listed; a ping works; bad subscriptions are refused and change nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRecordsRepo, fingerprint } from '../../src/store/records.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { bearer, expectProblem, goodBody, OTHER, S1, student } from '../helpers/api.js';
import { useWebhookJobs, verified } from '../helpers/webhook-jobs.js';

const w = useWebhookJobs(); // PostgreSQL; the jobs are run here, one by one
const { h, drain } = w;

/** Subscriptions made by the running test, deleted after it: no test sees another's. */
const live: Array<{ id: string; token: string }> = [];

async function subscribe(token: string, events: string[]) {
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    payload: { url: w.hooks.url, events },
  });
  expect(res.statusCode, res.body).toBe(201);
  const sub = res.json<{ id: string; secret: string }>();
  live.push({ id: sub.id, token });
  return sub;
}

afterEach(async () => {
  for (const s of live.splice(0)) await h.send('DELETE', `/v1/webhooks/${s.id}`, s.token); // 404 if the test did
  w.hooks.failNext = 0;
});

describe('webhooks', () => {
  it('refuses bad subscriptions and changes nothing', async () => {
    const post = (payload: unknown) =>
      h.app.inject({
        method: 'POST',
        url: '/v1/webhooks',
        headers: { ...bearer(h.tokens.vendor), 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    expectProblem(
      await post({ url: 'ftp://example.com/x', events: ['batch.finished'] }),
      400,
      'ERR_WEBHOOK_URL',
    );
    expectProblem(
      await post({ url: 'https://u:p@example.com/', events: ['batch.finished'] }),
      400,
      'ERR_WEBHOOK_URL',
    );
    expectProblem(await post({ url: w.hooks.url, events: ['student.created'] }), 400, 'ERR_VALIDATION');
    expectProblem(await post({ url: w.hooks.url, events: [] }), 400, 'ERR_VALIDATION');
    expectProblem(
      await post({ url: w.hooks.url, events: ['batch.finished'], extra: 1 }),
      400,
      'ERR_VALIDATION',
    );
    const list = await h.get('/v1/webhooks', h.tokens.vendor);
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
    expectProblem(await h.get('/v1/webhooks', h.tokens.reader), 403, 'ERR_FORBIDDEN_SCOPE');
  });

  it('delivers batch.finished and findings.ready, signed, to the client that pushed the batch', async () => {
    const sub = await subscribe(h.tokens.vendor, ['batch.finished', 'findings.ready', 'master-data.changed']);
    expect(sub.secret).toMatch(/^whsec_/);
    const pushed = await h.pushBatch(h.tokens.vendor, S1, goodBody(['WH1']));
    const batchId = pushed.json<{ batchId: string }>().batchId;
    await h.env.deps.db.tx(async (q) => {
      await createBatchesRepo(q).insertFindings(batchId, [
        {
          recordIndex: 0,
          recordKey: 'WH1',
          criterion: 'dung',
          rule: 'DUNG_X',
          severity: 'warning',
          pointer: '/records/0/x',
          messageVi: 'x',
          messageEn: 'x',
        },
      ]);
      await createBatchesRepo(q).finish(batchId, { accepted: 1, rejected: 0, unchanged: 0 });
    });
    w.hooks.received.length = 0;
    await drain();
    const events = w.hooks.received.map((r) => verified(sub.secret, r));
    expect(events.map((e) => e.type).sort()).toEqual(['batch.finished', 'findings.ready']);
    expect(events.find((e) => e.type === 'batch.finished')?.data).toMatchObject({
      batchId,
      schoolCode: S1,
      status: 'done',
      counts: { received: 1, accepted: 1, rejected: 0, unchanged: 0 },
    });
    expect(events.find((e) => e.type === 'findings.ready')?.data).toMatchObject({
      batchId,
      findings: { warning: 1 },
    });
    // The same delivery id on every attempt; a tampered body fails verification.
    const first = w.hooks.received[0]!;
    expect(() => verified(sub.secret, { ...first, body: first.body.replace('done', 'failed') })).toThrow();
  });

  it('tells master-data.changed to every client serving the school, retrying a failing receiver', async () => {
    const sub = await subscribe(h.tokens.vendor, ['master-data.changed']);
    const other = await subscribe(h.tokens.other, ['master-data.changed']);
    w.hooks.received.length = 0;
    w.hooks.failNext = 1;
    await h.env.deps.db.tx(async (q) => {
      const rec = student('WH2', S1);
      await createRecordsRepo(q).upsert(
        'students',
        [{ key: 'WH2', scope: S1, data: rec, fingerprint: fingerprint(rec) }],
        { system: 'hcm-csdl', mappingVersion: 'hcm-csdl@1' },
      );
    });
    await drain();
    expect(w.hooks.received).toHaveLength(1); // the vendor of S1 only, after one failed attempt
    const event = verified(sub.secret, w.hooks.received[0]!);
    expect(event.type).toBe('master-data.changed');
    expect(event.data).toMatchObject({ schoolCode: S1, entity: 'students', count: 1 });
    // The link reads exactly that change from the feed.
    // A change shows once older transactions of the (shared) cluster end: wait for it, bounded.
    let items: Array<{ key: string; op: string }> = [];
    for (let i = 0; i < 300 && items.length === 0; i += 1) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const feed = await h.get(String(event.data.changesUrl), h.tokens.vendor);
      items = feed.json<{ items: Array<{ key: string; op: string }> }>().items;
    }
    expect(items).toEqual([expect.objectContaining({ key: 'WH2', op: 'create' })]);
    const deliveries = await h.get(`/v1/webhooks/${sub.id}/deliveries`, h.tokens.vendor);
    const latest = deliveries.json<{
      items: Array<{ event: string; status: string; attempts: number; lastStatus: number }>;
    }>().items[0];
    expect(latest).toMatchObject({
      event: 'master-data.changed',
      status: 'delivered',
      attempts: 2,
      lastStatus: 204,
    });
    // Another client's subscription: no delivery, and its deliveries are not ours to read.
    expectProblem(await h.get(`/v1/webhooks/${other.id}/deliveries`, h.tokens.vendor), 404, 'ERR_NOT_FOUND');
    const otherDeliveries = await h.get(`/v1/webhooks/${other.id}/deliveries`, h.tokens.other);
    expect(otherDeliveries.json<{ items: unknown[] }>().items).toEqual([]);
    expect(OTHER).not.toBe(S1);
  });

  it('a ping is delivered; a receiver that keeps failing ends failed after webhooks.maxAttempts', async () => {
    const sub = await subscribe(h.tokens.vendor, ['batch.finished']);
    const ping = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${sub.id}/ping`,
      headers: bearer(h.tokens.vendor),
    });
    expect(ping.statusCode, ping.body).toBe(202);
    // ops28: a ping is audited like the other webhook actions: who, which subscription, the delivery; nothing else.
    const audited = await h.env.deps.db.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM truc.audit_log WHERE action = 'webhook.pinged' AND subject = $1`,
      [`webhook:${sub.id}`],
    );
    expect(audited.rows).toEqual([
      { actor: expect.any(String), details: { deliveryId: ping.json<{ deliveryId: string }>().deliveryId } },
    ]);
    w.hooks.received.length = 0;
    await drain();
    expect(w.hooks.received.map((r) => verified(sub.secret, r).type)).toEqual(['webhook.ping']);

    w.hooks.failNext = 100;
    const again = await h.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${sub.id}/ping`,
      headers: bearer(h.tokens.vendor),
    });
    const { deliveryId } = again.json<{ deliveryId: string }>();
    await drain();
    w.hooks.failNext = 0;
    const list = await h.get(`/v1/webhooks/${sub.id}/deliveries`, h.tokens.vendor);
    const failed = list
      .json<{ items: Array<{ id: string; status: string; attempts: number }> }>()
      .items.find((d) => d.id === deliveryId);
    expect(failed).toMatchObject({ status: 'failed', attempts: h.env.config.webhooks.maxAttempts });
  });

  it('unsubscribing stops deliveries', async () => {
    const sub = await subscribe(h.tokens.vendor, ['master-data.changed']);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/v1/webhooks/${sub.id}`,
      headers: bearer(h.tokens.vendor),
    });
    expect(del.statusCode).toBe(204);
    expectProblem(
      await h.app.inject({
        method: 'DELETE',
        url: `/v1/webhooks/${sub.id}`,
        headers: bearer(h.tokens.vendor),
      }),
      404,
      'ERR_NOT_FOUND',
    );
    w.hooks.received.length = 0;
    await h.env.deps.db.tx(async (q) => {
      const rec = student('WH3', S1);
      await createRecordsRepo(q).upsert(
        'students',
        [{ key: 'WH3', scope: S1, data: rec, fingerprint: fingerprint(rec) }],
        {
          system: 'hcm-csdl',
          mappingVersion: 'hcm-csdl@1',
        },
      );
    });
    await drain();
    expect(w.hooks.received).toEqual([]);
  });
});
