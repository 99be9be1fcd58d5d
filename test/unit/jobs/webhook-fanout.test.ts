/**
 * The webhook-fanout job (issue 9) through the registry, on a real in-memory database: a finished batch
 * (its trigger writes the event's outbox row) becomes one delivery per subscription of the client that
 * pushed it, each queued as a webhook-deliver job, the event's row closed; run again, it makes no second
 * delivery; another client hears nothing; a change to a school reaches the clients that serve it. A batch's
 * `batch.finished` tells the status GET /v1/batches/{id} shows, again after each change of it (review26b F5): a
 * delivery dead-lettered or replayed, a hold decided; a change GET does not show tells nothing.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideHold, queueBatch } from '../../../src/jobs/contracts.js';
import { addClient } from '../../../src/ops.js';
import { createBatchesRepo } from '../../../src/store/batches.js';
import { createGuardHoldsRepo } from '../../../src/store/guard-holds.js';
import { createPushSetsRepo } from '../../../src/store/push-sets.js';
import { createWebhooksRepo } from '../../../src/store/webhooks.js';
import { OTHER, student, S1 } from '../../helpers/api.js';
import { drain, nextRow, ofBatch, openWork, runRow, useTestContext, type OutboxRow } from './fixtures.js';

describe('webhook-fanout job', () => {
  const ctx = useTestContext();
  const isFanout = (r: OutboxRow) => r.queue === 'webhooks' && r.job_name === 'webhook-fanout';

  async function subscribed(schools: string[], events: string[]) {
    const client = await addClient(ctx.db, { name: `Vendor ${schools[0]}`, role: 'vendor', schools });
    const sub = (await createWebhooksRepo(ctx.db).subscribe(
      {
        id: randomUUID(),
        clientId: client.clientId,
        url: 'https://hooks.example.vn/truc',
        events,
        secret: 'whsec_dGVzdA==',
      },
      10,
    ))!;
    return { clientId: client.clientId, subscriptionId: sub.id };
  }

  async function deliveries(subscriptionId: string) {
    return ctx.db.rows<{ id: string; event: string; payload: Record<string, unknown> }>(
      'truc.webhook_deliveries',
      `subscription_id = '${subscriptionId}' ORDER BY event`,
    );
  }

  it('makes one delivery per subscription of the batch’s client, queued, once', async () => {
    const vendor = await subscribed([S1], ['batch.finished']);
    const other = await subscribed([OTHER], ['batch.finished', 'findings.ready']);
    const batchId = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id: batchId,
        clientId: vendor.clientId,
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: [student('WF1'), student('WF2')],
        mode: 'delta',
      }),
    );
    await drain(ctx, 'ingest');

    const event = await nextRow(ctx.db, (r) => isFanout(r) && r.payload.batchId === batchId);
    expect(event?.payload).toEqual({ event: 'batch.finished', batchId });
    expect(await runRow(ctx, event!)).toEqual({ deliveries: 1 });

    const made = await deliveries(vendor.subscriptionId);
    expect(made).toEqual([
      expect.objectContaining({
        event: 'batch.finished',
        payload: expect.objectContaining({
          batchId,
          schoolCode: S1,
          status: 'done',
          counts: expect.objectContaining({ received: 2, accepted: 2, rejected: 0 }),
          statusUrl: `/v1/batches/${batchId}`,
        }),
      }),
    ]);
    expect(await deliveries(other.subscriptionId)).toEqual([]);
    // The deliveries queued since the event (other tests' deliveries may be open).
    const queued = async () =>
      (await openWork(ctx.db)).filter((r) => r.job_name === 'webhook-deliver' && r.id > event!.id);
    expect((await queued()).map((r) => r.payload)).toEqual([{ deliveryId: made[0]!.id }]);
    expect((await openWork(ctx.db)).map((r) => r.id)).not.toContain(event!.id);

    // The same event again (a redelivered job): the delivery exists, nothing more is made or queued.
    expect(await runRow(ctx, event!)).toEqual({ deliveries: 0 });
    expect(await deliveries(vendor.subscriptionId)).toHaveLength(1);
    expect(await queued()).toHaveLength(1);
  });

  /** A vendor's batch of students of S1, queued (`before` runs in its transaction) and ingested. */
  async function ingested(clientId: string, before?: (batchId: string) => Promise<unknown>) {
    const batchId = randomUUID();
    await ctx.db.tx(async (q) => {
      await queueBatch(q, {
        id: batchId,
        clientId,
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: [student('WT1')],
        mode: 'delta',
      });
    });
    await before?.(batchId);
    await drain(ctx, 'ingest');
    return batchId;
  }

  /** Runs the batch's open fan-out rows; what its subscription was told since, oldest first. */
  async function toldSince(batchId: string, subscriptionId: string, after = 0) {
    for (let row; (row = await nextRow(ctx.db, (r) => isFanout(r) && ofBatch(batchId)(r)));)
      await runRow(ctx, row);
    return (await deliveries(subscriptionId))
      .map(
        (d) => d.payload as { batchId: string; sequence: number; status: string; errorCode: string | null },
      )
      .filter((p) => p.batchId === batchId && p.sequence > after)
      .sort((a, b) => a.sequence - b.sequence);
  }

  it('tells batch.finished again when a delivery fails later or is replayed, not when nothing GET shows changed', async () => {
    const vendor = await subscribed([S1], ['batch.finished']);
    const batchId = await ingested(vendor.clientId);
    expect(await toldSince(batchId, vendor.subscriptionId)).toEqual([
      expect.objectContaining({ status: 'done', sequence: 1, errorCode: null, guard: null }),
    ]);
    const sets = createPushSetsRepo(ctx.db);
    const set = await sets.create({ system: 'hcm-csdl', entity: 'students', keys: ['WT1'], batchId });
    // Its push to the city database dead-lettered: GET says failed, with the letter's code; so does the event.
    await ctx.db.tx((q) => createPushSetsRepo(q).fail(set, 'ERR_ADAPTER_UNAVAILABLE'));
    expect(await toldSince(batchId, vendor.subscriptionId, 1)).toEqual([
      expect.objectContaining({
        status: 'failed',
        sequence: 2,
        errorCode: 'ERR_ADAPTER_UNAVAILABLE',
        deliveries: [expect.objectContaining({ system: 'hcm-csdl', state: 'failed' })],
        updatedAt: expect.any(String),
      }),
    ]);
    // Replayed: pending again, the batch done; delivered: still done, nothing more is told.
    await sets.reopen(set);
    expect(await toldSince(batchId, vendor.subscriptionId, 2)).toEqual([
      expect.objectContaining({ status: 'done', sequence: 3, errorCode: null }),
    ]);
    await sets.markDelivered(set, { accepted: 1, rejected: 0, receiptId: null });
    expect(await toldSince(batchId, vendor.subscriptionId, 3)).toEqual([]);
    expect((await openWork(ctx.db)).filter((r) => isFanout(r) && ofBatch(batchId)(r))).toEqual([]);
  });

  it('tells a held batch held, and again when a city admin decides', async () => {
    const vendor = await subscribed([S1], ['batch.finished']);
    const reasons = [
      { school: S1, kind: 'deleted' as const, count: 4, live: 10, ratio: 0.4, threshold: 0.3 },
    ];
    const holdOf = (batchId: string) =>
      createGuardHoldsRepo(ctx.db).create({ kind: 'batch', batchId, entity: 'students', diff: [], reasons });
    const reject = (holdId: number) =>
      ctx.db.tx((q) => decideHold(q, { holdId, decision: 'rejected', by: 'city-admin-1', at: ctx.now() }));

    // A snapshot's deletions held (its records applied: the row is done): held, then done with the decision.
    let holdId = 0;
    const snapshot = await ingested(vendor.clientId, async (id) => (holdId = await holdOf(id)));
    expect(await toldSince(snapshot, vendor.subscriptionId)).toEqual([
      expect.objectContaining({
        status: 'held',
        sequence: 1,
        guard: expect.objectContaining({ status: 'held' }),
      }),
    ]);
    await reject(holdId);
    expect(await toldSince(snapshot, vendor.subscriptionId, 1)).toEqual([
      expect.objectContaining({
        status: 'done',
        sequence: 2,
        guard: expect.objectContaining({ status: 'rejected' }),
      }),
    ]);

    // A batch held whole (its row held, nothing applied): held, then failed when rejected.
    const whole = randomUUID();
    await ctx.db.tx((q) =>
      queueBatch(q, {
        id: whole,
        clientId: vendor.clientId,
        schoolCode: S1,
        entity: 'students',
        format: 'canonical',
        records: [student('WT2')],
        mode: 'delta',
      }),
    );
    const wholeHold = await holdOf(whole);
    await createBatchesRepo(ctx.db).hold(whole);
    expect(await toldSince(whole, vendor.subscriptionId)).toEqual([
      expect.objectContaining({ status: 'held', sequence: 1 }),
    ]);
    await reject(wholeHold);
    expect(await toldSince(whole, vendor.subscriptionId, 1)).toEqual([
      expect.objectContaining({ status: 'failed', sequence: 2, errorCode: 'ERR_GUARD_REJECTED' }),
    ]);
  });

  it('tells a change to a school to the subscribed clients that serve it, with where to read it', async () => {
    const serving = await subscribed([S1], ['master-data.changed']);
    const elsewhere = await subscribed([OTHER], ['master-data.changed']);
    const row = { id: 0, queue: 'webhooks', job_name: 'webhook-fanout' };
    const payload = {
      event: 'master-data.changed',
      schoolCode: S1,
      entity: 'students',
      count: 3,
      tx: '7',
      seq: '9',
    };
    expect(await runRow(ctx, { ...row, payload })).toEqual({ deliveries: 1 });
    const [made] = await deliveries(serving.subscriptionId);
    expect(made?.payload).toMatchObject({ schoolCode: S1, entity: 'students', count: 3 });
    expect(made?.payload.changesUrl).toMatch(new RegExp(`^/v1/changes\\?schoolCode=${S1}&cursor=.+`));
    expect(await deliveries(elsewhere.subscriptionId)).toEqual([]);
  });

  it('refuses an event it does not know, permanently', async () => {
    const row = { id: 0, queue: 'webhooks', job_name: 'webhook-fanout', payload: { event: 'nope' } };
    await expect(runRow(ctx, row)).rejects.toMatchObject({ code: 'ERR_JOB_PAYLOAD_INVALID' });
  });
});
