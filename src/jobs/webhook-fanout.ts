/**
 * Webhook fan-out (issue 9): one event (an outbox row written by the triggers of migration 036) becomes
 * one delivery per subscription that hears it, each queued as a webhook-deliver job, in one transaction
 * with closing the row. Delivery ids derive from the row, subscription and event, so a job that runs
 * twice makes no second delivery. Who hears what: `batch.finished` and `findings.ready` the client that
 * pushed the batch; `master-data.changed` every enabled client that serves the school.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { createBatchesRepo } from '../store/batches.js';
import type { Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { changeCursor } from '../store/reads.js';
import { createWebhooksRepo, type Subscription } from '../store/webhooks.js';
import { enqueue, webhookDeliver, webhookFanout } from './contracts.js';
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
  const batches = createBatchesRepo(q);
  const batch = await batches.get(p.batchId);
  if (!batch) return [];
  const out: Planned[] = [];
  const finished = {
    batchId: batch.id,
    schoolCode: batch.schoolCode,
    entity: batch.entity,
    status: batch.status,
    counts: {
      received: batch.received,
      accepted: batch.accepted,
      rejected: batch.rejected,
      unchanged: batch.unchanged,
    },
    errorCode: batch.errorCode,
    statusUrl: `/v1/batches/${batch.id}`,
  };
  for (const subscription of await hooks.forClient(batch.clientId, 'batch.finished')) {
    out.push({ subscription, event: 'batch.finished', data: finished });
  }
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
