/**
 * The webhook-deliver job (issue 9) through the registry, on a real in-memory database and a receiver on
 * loopback: a 2xx closes the delivery `delivered` (signed, sent once however often the job runs); a
 * failure keeps it pending and puts the job back to wait without spending an attempt of the queue's, or
 * throws a retryable error outside a worker; the last allowed attempt, or a disabled subscription, makes
 * it `failed`. Each run closes the job's outbox row only when the delivery is over.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue, webhookDeliver } from '../../../src/jobs/contracts.js';
import type { JobRun } from '../../../src/jobs/define.js';
import { webhookDeliverJob } from '../../../src/jobs/webhook-deliver.js';
import { addClient } from '../../../src/ops.js';
import { createWebhooksRepo } from '../../../src/store/webhooks.js';
import { S1 } from '../../helpers/api.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';
import { openWork, runOf, useTestContext } from './fixtures.js';

const SECRET = `whsec_${Buffer.from('a test secret of 32 bytes length').toString('base64')}`;

describe('webhook-deliver job', () => {
  const ctx = useTestContext();
  let receiver: WebhookReceiver;
  let clientId: string;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  /** A subscription with one pending delivery, queued as its job's outbox row. */
  async function pending(
    opts: { disabled?: boolean; event?: string; payload?: Record<string, unknown> } = {},
  ) {
    clientId ??= (await addClient(ctx.db, { name: 'Vendor', role: 'vendor', schools: [S1] })).clientId;
    const hooks = createWebhooksRepo(ctx.db);
    const sub = (await hooks.subscribe(
      {
        id: randomUUID(),
        clientId,
        url: receiver.url,
        events: ['batch.finished', 'master-data.changed'],
        secret: SECRET,
      },
      100,
    ))!;
    if (opts.disabled)
      await ctx.db.query('UPDATE truc.webhook_subscriptions SET disabled = true WHERE id = $1', [sub.id]);
    const deliveryId = randomUUID();
    await hooks.addDelivery({
      id: deliveryId,
      subscriptionId: sub.id,
      event: opts.event ?? 'batch.finished',
      payload: opts.payload ?? { n: 1 },
    });
    const outboxId = await ctx.db.tx((q) => enqueue(q, webhookDeliver, { deliveryId }));
    return { deliveryId, outboxId };
  }

  const stateOf = async (deliveryId: string) => (await createWebhooksRepo(ctx.db).toSend(deliveryId))!;
  const isOpen = async (outboxId: number) => (await openWork(ctx.db)).some((r) => r.id === outboxId);
  const run = (outboxId: number, extra: Partial<JobRun> = {}): JobRun => ({
    ...runOf('webhooks', 'webhook-deliver', outboxId),
    ...extra,
  });

  it('sends a signed delivery once; a 2xx closes it and its job', async () => {
    receiver.received.length = 0;
    const { deliveryId, outboxId } = await pending();
    expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'delivered' });
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.headers['webhook-id']).toBe(deliveryId);
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((k) => [k, String(got.headers[k])]),
    );
    expect(new Webhook(SECRET).verify(got.body, headers)).toMatchObject({
      type: 'batch.finished',
      data: { n: 1 },
    });
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 204 });
    expect(await isOpen(outboxId)).toBe(false);

    // Run again (a redelivered job): nothing is sent a second time.
    expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'delivered' });
    expect(receiver.received).toHaveLength(1);
  });

  it('a failure waits (in a worker) or throws a retryable error, then fails at the last attempt', async () => {
    receiver.received.length = 0;
    const { deliveryId, outboxId } = await pending();
    receiver.failNext = 3;
    const waits: number[] = [];
    const deferUntil = async (atMs: number): Promise<never> => {
      waits.push(atMs);
      throw new Error('deferred');
    };
    const before = Date.now();
    await expect(webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId, { deferUntil }))).rejects.toThrow(
      'deferred',
    );
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(before);
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500 });
    expect(await isOpen(outboxId)).toBe(true);

    // Outside a worker there is no waiting: the job fails retryably and the delivery stays pending.
    await expect(webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).rejects.toMatchObject({
      code: 'ERR_WEBHOOK_URL',
      status: 503,
    });
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'pending', attempts: 2 });

    // The third attempt is the last (webhooks.maxAttempts = 3 in the test profile).
    expect(ctx.config.webhooks.maxAttempts).toBe(3);
    expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'failed' });
    expect(await stateOf(deliveryId)).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 500 });
    expect(await isOpen(outboxId)).toBe(false);
    expect(receiver.received).toHaveLength(0); // the receiver answered 500 three times
  });

  it("waits the receiver's Retry-After, in seconds or as an HTTP date (review26b N8), capped at an hour", async () => {
    const waitOf = async (retryAfter: string) => {
      const { deliveryId, outboxId } = await pending();
      const waits: number[] = [];
      const deferUntil = async (atMs: number): Promise<never> => {
        waits.push(atMs);
        throw new Error('deferred');
      };
      receiver.failNext = 1;
      receiver.failWith = { status: 429, headers: { 'retry-after': retryAfter } };
      const before = Date.now();
      await expect(webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId, { deferUntil }))).rejects.toThrow(
        'deferred',
      );
      expect(await stateOf(deliveryId)).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 429 });
      return waits[0]! - before;
    };
    try {
      // Seconds, and an HTTP date ten minutes ahead (whole seconds: 599–600 s): not the backoff (jobs.backoffMs).
      expect(await waitOf('300')).toBeGreaterThanOrEqual(300_000);
      const tenMinutes = await waitOf(new Date(Date.now() + 600_000).toUTCString());
      expect(tenMinutes).toBeGreaterThanOrEqual(598_000);
      expect(tenMinutes).toBeLessThan(3_600_000);
      // A date two hours ahead waits an hour, as two hours in seconds would.
      const capped = [await waitOf(new Date(Date.now() + 7_200_000).toUTCString()), await waitOf('7200')];
      for (const w of capped) {
        expect(w).toBeGreaterThanOrEqual(3_600_000);
        expect(w).toBeLessThan(7_000_000);
      }
    } finally {
      receiver.failNext = 0;
      delete receiver.failWith;
    }
  });

  it('a disabled subscription fails its delivery without sending', async () => {
    receiver.received.length = 0;
    const { deliveryId, outboxId } = await pending({ disabled: true });
    expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'failed' });
    expect(receiver.received).toHaveLength(0);
    expect(await stateOf(deliveryId)).toMatchObject({
      status: 'failed',
      lastError: 'the subscription is disabled',
    });
    expect(await isOpen(outboxId)).toBe(false);
  });

  it('a client disabled, or without the webhooks scope any more, gets nothing: failed, not sent (review26b N4)', async () => {
    receiver.received.length = 0;
    const stops = async (change: string) => {
      const { deliveryId, outboxId } = await pending();
      await ctx.db.query(`UPDATE truc.api_clients SET ${change} WHERE id = $1`, [clientId]);
      try {
        expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'failed' });
        expect(await isOpen(outboxId)).toBe(false);
        return (await stateOf(deliveryId)).lastError;
      } finally {
        await ctx.db.query(
          `UPDATE truc.api_clients SET disabled = false, scopes = array_append(array_remove(scopes, 'webhooks'), 'webhooks')
            WHERE id = $1`,
          [clientId],
        );
      }
    };
    expect(await stops('disabled = true')).toBe('not sent: the client is disabled');
    expect(await stops(`scopes = array_remove(scopes, 'webhooks')`)).toBe(
      'not sent: the client no longer holds the webhooks scope',
    );
    expect(receiver.received).toHaveLength(0);
    // Enabled with the scope again: sent.
    const { deliveryId, outboxId } = await pending();
    expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'delivered' });
  });

  it('an event of a school withdrawn from the client since its fan-out is not sent (review11)', async () => {
    receiver.received.length = 0;
    const events = [
      { event: 'master-data.changed', payload: { schoolCode: S1, entity: 'students', count: 1 } },
      { event: 'batch.finished', payload: { batchId: randomUUID(), schoolCode: S1, status: 'done' } },
    ];
    for (const e of events) {
      const { deliveryId, outboxId } = await pending(e);
      await ctx.db.query(`UPDATE truc.api_clients SET schools = '{}' WHERE id = $1`, [clientId]);
      try {
        expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'failed' });
        expect(await isOpen(outboxId)).toBe(false);
        expect((await stateOf(deliveryId)).lastError).toBe(
          'not sent: the school is no longer granted to the client',
        );
      } finally {
        await ctx.db.query(`UPDATE truc.api_clients SET schools = $2 WHERE id = $1`, [clientId, [S1]]);
      }
    }
    expect(receiver.received).toHaveLength(0);
    // The school granted again: sent.
    const { deliveryId, outboxId } = await pending(events[0]);
    expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'delivered' });
  });

  it('closes the job of a delivery that is gone', async () => {
    const outboxId = await ctx.db.tx((q) => enqueue(q, webhookDeliver, { deliveryId: randomUUID() }));
    const deliveryId = (await openWork(ctx.db)).find((r) => r.id === outboxId)!.payload.deliveryId;
    expect(await webhookDeliverJob.run(ctx, { deliveryId }, run(outboxId))).toEqual({ status: 'gone' });
    expect(await isOpen(outboxId)).toBe(false);
  });
});
