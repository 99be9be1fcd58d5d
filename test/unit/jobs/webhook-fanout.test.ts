/**
 * The webhook-fanout job (issue 9) through the registry, on a real in-memory database: a finished batch
 * (its trigger writes the event's outbox row) becomes one delivery per subscription of the client that
 * pushed it, each queued as a webhook-deliver job, the event's row closed; run again, it makes no second
 * delivery; another client hears nothing; a change to a school reaches the clients that serve it.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queueBatch } from '../../../src/jobs/contracts.js';
import { addClient } from '../../../src/ops.js';
import { createWebhooksRepo } from '../../../src/store/webhooks.js';
import { OTHER, student, S1 } from '../../helpers/api.js';
import { drain, nextRow, openWork, runRow, useTestContext, type OutboxRow } from './fixtures.js';

describe('webhook-fanout job', () => {
  const ctx = useTestContext();
  const isFanout = (r: OutboxRow) => r.queue === 'webhooks' && r.job_name === 'webhook-fanout';

  async function subscribed(schools: string[], events: string[]) {
    const client = await addClient(ctx.db, { name: `Vendor ${schools[0]}`, role: 'vendor', schools });
    const sub = await createWebhooksRepo(ctx.db).subscribe({
      id: randomUUID(),
      clientId: client.clientId,
      url: 'https://hooks.example.vn/truc',
      events,
      secret: 'whsec_dGVzdA==',
    });
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
