/**
 * Webhook fan-out (issue 9): one event (an outbox row written by the triggers of migration 036) becomes
 * one delivery per subscription that hears it, each queued as a webhook-deliver job, in one transaction
 * with closing the row. Delivery ids derive from the row, subscription and event, so a job that runs
 * twice makes no second delivery. Who hears what: `batch.finished` and `findings.ready` the client that
 * pushed the batch; `master-data.changed` every enabled client that serves the school. `batch.finished` is told
 * again, with the next `sequence`, each time the batch's status as GET /v1/batches/{id} shows it changes (the
 * `batch.changed` rows of migration 920).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { createBatchesRepo } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { changeCursor } from '../store/reads.js';
import { createWebhooksRepo, type Subscription } from '../store/webhooks.js';
import { enqueue, webhookDeliver, webhookFanout } from './contracts.js';
import { readBatchView, type BatchView } from './batch-status.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';

type Event = z.output<typeof webhookFanout.payload>;

interface Planned {
  subscription: Subscription;
  event: string;
  data: Record<string, unknown>;
}

function deliveryId(outboxId: number | undefined, subscriptionId: string, event: string): string {
  if (outboxId === undefined) return randomUUID();
  const h = createHash('sha256').update(`${outboxId}/${subscriptionId}/${event}`).digest('hex');
  // A UUID (version 8: custom) made of the hash, so the same event never becomes two deliveries.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function plan(q: Queryable, p: Event): Promise<Planned[]> {
  const hooks = createWebhooksRepo(q);
  if (p.event === 'master-data.changed') {
    const data = {
      schoolCode: p.schoolCode,
      entity: p.entity,
      count: p.count,
      changesUrl: `/v1/changes?schoolCode=${encodeURIComponent(p.schoolCode)}&cursor=${changeCursor({ tx: p.tx, seq: p.seq })}`,
    };
    return (await hooks.forSchool(p.schoolCode, p.event)).map((subscription) => ({
      subscription,
      event: p.event,
      data,
    }));
  }
  return batchEvents(q, p);
}

/** The statuses a `batch.finished` event tells: where a vendor's polling of GET /v1/batches/{id} stops or waits. */
const TOLD = new Set(['done', 'failed', 'held']);

/**
 * What a `batch.finished` event tells of a batch: its status, its error code, and its hold's decision and
 * application. A change of any of them is told again, with the next sequence.
 */
export function toldKey(v: BatchView): string {
  return [v.status, v.errorCode ?? '', v.guard?.status ?? '', v.guard?.appliedAt ? 'applied' : ''].join('|');
}

/** The event's data: the batch as GET /v1/batches/{id} shows it (no refused keys), its sequence and when told. */
function finishedData(v: BatchView, told: { sequence: number; toldAt: Date }): Record<string, unknown> {
  // a vendor's batch has no sync run (a pulled one, the city's, is told to no vendor): GET's syncRunId is not told
  const { createdAt: _created, findingsUrl, syncRunId: _run, ...rest } = v;
  return {
    ...rest,
    deliveries: v.deliveries.map(({ refused: _refused, waiting: _waiting, ...d }) => d),
    statusUrl: `/v1/batches/${v.batchId}`,
    findingsUrl,
    sequence: told.sequence,
    updatedAt: told.toldAt.toISOString(),
  };
}

/**
 * A batch's events (review26b F5). `batch.finished` tells the status GET /v1/batches/{id} shows now (./batch-status.ts),
 * when it is one a vendor waits for and differs from what was told last: first when the batch's row is done,
 * failed or held, then after each later change (a hold decided or applied, a delivery dead-lettered, replayed or
 * delivered). `findings.ready` once the batch's row is done or failed, when it has findings.
 */
async function batchEvents(q: Queryable, p: Extract<Event, { batchId: string }>): Promise<Planned[]> {
  const hooks = createWebhooksRepo(q);
  const batches = createBatchesRepo(q);
  // Locked before the batch is read: an event of the batch fanned out meanwhile has told, or waits for this one.
  const last = await hooks.lockTold(p.batchId);
  const batch = last && (await batches.get(p.batchId));
  if (!last || !batch) return [];
  const out: Planned[] = [];
  const view = await readBatchView(q, batch);
  const key = toldKey(view);
  if (TOLD.has(view.status) && key !== last.told) {
    const subscriptions = await hooks.forClient(batch.clientId, 'batch.finished');
    if (subscriptions.length > 0) {
      const data = finishedData(view, await hooks.told(batch.id, key));
      for (const subscription of subscriptions) out.push({ subscription, event: 'batch.finished', data });
    }
  }
  if (p.event !== 'batch.finished' || (batch.status !== 'done' && batch.status !== 'failed')) return out;
  const findings = await batches.batchFindingCounts(batch.id);
  if (Object.values(findings).some((n) => n > 0)) {
    const data = {
      batchId: batch.id,
      schoolCode: batch.schoolCode,
      findings,
      findingsUrl: `/v1/batches/${batch.id}/findings`,
    };
    for (const subscription of await hooks.forClient(batch.clientId, 'findings.ready')) {
      out.push({ subscription, event: 'findings.ready', data });
    }
  }
  return out;
}

async function fanout(ctx: Pick<WorkerContext, 'db' | 'logger'>, p: Event, job: JobRun) {
  const made = await ctx.db.tx(async (q) => {
    const hooks = createWebhooksRepo(q);
    let n = 0;
    for (const d of await plan(q, p)) {
      const id = deliveryId(job.outboxId, d.subscription.id, d.event);
      if (
        await hooks.addDelivery({ id, subscriptionId: d.subscription.id, event: d.event, payload: d.data })
      ) {
        await enqueue(q, webhookDeliver, { deliveryId: id });
        n += 1;
      }
    }
    await createOutboxRepo(q).markDone(job.outboxId);
    return n;
  });
  ctx.logger.debug({ event: p.event, deliveries: made }, 'webhook event fanned out');
  return { deliveries: made };
}

export const webhookFanoutJob = defineJob({ ...webhookFanout, concurrency: 2, process: fanout });
