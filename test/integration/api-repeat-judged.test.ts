/**
 * Issue 7, unchanged vendor re-push at the API, a repeat judged when it is accepted (tidy7: split from
 * ./api-repeat.test.ts, the same harness): the body's first batch ingested, its repeat is answered done without
 * waking the outbox relay or the audit chainer, with the findings count and the batch.finished of any finished batch.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acceptBatch } from '../../src/api/batch-intake.js';
import { createBatchesRepo } from '../../src/store/batches.js';
import { goodBody, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';
import { pushIngested as pushIngestedWith } from '../helpers/repeat.js';

const h = useApiHarness(backends()[2]!); // PostgreSQL, queues in the database (never started here)
const pushIngested = (body: unknown) => pushIngestedWith(h, body);

describe('a repeated batch body judged when accepted (issue 7)', () => {
  it('a repeat judged when accepted wakes neither the outbox relay nor the audit chainer', async () => {
    const body = goodBody(['REPEAT-G1', 'REPEAT-G2']);
    await pushIngested(body);
    const { db } = h.env.deps;
    const clientId = h.clients.vendor.clientId;
    const bodySha256 = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const held = await createBatchesRepo(db).heldAndJudged(clientId, S1, bodySha256);
    expect(held?.judged).toBeTruthy();
    let woken = 0;
    const { response } = await acceptBatch(
      db,
      {
        clientId,
        schoolCode: S1,
        body: { entity: 'students', format: held!.format, mode: held!.mode, records: [{}, {}] },
        bodySha256,
        sameAs: held!.id,
        judged: held!.judged,
        idempotency: undefined,
        at: new Date(),
      },
      () => (woken += 1),
      { now: h.env.deps.now, config: h.env.deps.config, metrics: h.env.deps.metrics },
    );
    expect(response.status).toBe(202);
    const status = await h.get(response.body.statusUrl, h.tokens.vendor);
    expect(status.json()).toMatchObject({ status: 'done', counts: { unchanged: 2 } });
    // Nothing queued: no wake; its audit entries wait for the chainer's next tick.
    expect(woken).toBe(0);
  });

  it('a repeat judged when accepted reports the findings count kept with the batch it repeats', async () => {
    const body = goodBody(['REPEAT-F1', 'REPEAT-F2']);
    const first = await pushIngested(body);
    const kept = await h.env.deps.db.query<{ kept: number | null; filed: number }>(
      `SELECT findings_count AS kept, (SELECT count(*)::int FROM truc.findings WHERE batch_id = $1) AS filed
         FROM truc.batches WHERE id = $1`,
      [first],
    );
    expect(kept.rows[0]!.kept).toBe(kept.rows[0]!.filed);
    // What the repeat reports is the kept count (migration 250), not a count of the findings rows.
    await h.env.deps.db.query('UPDATE truc.batches SET findings_count = 7 WHERE id = $1', [first]);
    const again = await h.pushBatch(h.tokens.vendor, S1, body);
    const batchId = again.json<{ batchId: string }>().batchId;
    const audit = await h.env.deps.db.query<{ findings: number }>(
      `SELECT (details->>'findings')::int AS findings FROM (
         SELECT details FROM truc.audit_log WHERE subject = $1 AND action = 'batch.ingested'
         UNION ALL SELECT details FROM truc.audit_pending WHERE subject = $1 AND action = 'batch.ingested') a`,
      [`batch:${batchId}`],
    );
    expect(audit.rows).toEqual([{ findings: 7 }]);
    const repeat = await h.env.deps.db.query<{ kept: number }>(
      'SELECT findings_count AS kept FROM truc.batches WHERE id = $1',
      [batchId],
    );
    expect(repeat.rows[0]!.kept).toBe(7);
  });

  it('a repeat judged when accepted raises its batch.finished once, as any finished batch does', async () => {
    const body = goodBody(['REPEAT-W1', 'REPEAT-W2']);
    await pushIngested(body);
    const hook = await h.send('POST', '/v1/webhooks', h.tokens.vendor, {
      url: 'https://hooks.example.org/truc',
      events: ['batch.finished'],
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const again = await h.pushBatch(h.tokens.vendor, S1, body);
    const batchId = again.json<{ batchId: string }>().batchId;
    expect((await h.get(`/v1/batches/${batchId}`, h.tokens.vendor)).json().status).toBe('done');
    const events = await h.env.deps.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM truc.outbox
        WHERE job_name = 'webhook-fanout' AND payload->>'event' = 'batch.finished' AND payload->>'batchId' = $1`,
      [batchId],
    );
    expect(events.rows[0]!.n).toBe(1);
    await h.send('DELETE', `/v1/webhooks/${hook.json<{ id: string }>().id}`, h.tokens.vendor);
  });
});
