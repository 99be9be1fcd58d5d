/**
 * Webhook delivery (issue 9): sends one delivery to its subscription's URL, signed the Standard Webhooks
 * way (src/adapters/webhook). A 2xx closes it `delivered`. Otherwise it waits (the receiver's
 * Retry-After, seconds or an HTTP date, else exponential backoff from jobs.backoffMs capped at an hour) without spending the
 * queue's attempts, up to webhooks.maxAttempts; then, or at once for a refused URL, it is `failed`; so is one whose
 * client was disabled, or lost the `webhooks` scope (or `records:read`, for master-data.changed), or the event's
 * school (review11), meanwhile.
 * A receiver's failure is the vendor's to see (GET /v1/webhooks/{id}/deliveries), not a city dead letter.
 */
import { sendWebhook } from '../adapters/webhook/client.js';
import { AppError } from '../errors.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createWebhooksRepo } from '../store/webhooks.js';
import { webhookDeliver } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';

const HOUR_MS = 3_600_000;

/** A delivery's last error when its client's state stops it (review26b N4): read in GET /v1/webhooks/{id}/deliveries. */
const NOT_SENT = {
  'client-disabled': 'not sent: the client is disabled',
  'no-webhooks-scope': 'not sent: the client no longer holds the webhooks scope',
  'no-records-scope': 'not sent: the client no longer holds the records:read scope',
  'school-withdrawn': 'not sent: the school is no longer granted to the client',
} as const;

async function deliver(
  ctx: Pick<WorkerContext, 'db' | 'logger' | 'config'>,
  p: { deliveryId: string },
  job: JobRun,
) {
  const d = await createWebhooksRepo(ctx.db).toSend(p.deliveryId);
  const close = (status: 'delivered' | 'failed', httpStatus: number | null, error: string | null) =>
    ctx.db.tx(async (q) => {
      await createWebhooksRepo(q).attempted(p.deliveryId, { status, httpStatus, error });
      await createOutboxRepo(q).markDone(job.outboxId);
    });
  if (!d || d.status !== 'pending') {
    await createOutboxRepo(ctx.db).markDone(job.outboxId);
    return { status: d?.status ?? 'gone' };
  }
  if (d.subscriptionDisabled) {
    await close('failed', null, 'the subscription is disabled');
    return { status: 'failed' };
  }
  // A client disabled, or whose scopes or schools no longer hold what the event needs, since it was fanned out: not sent.
  if (d.clientStops) {
    await close('failed', null, NOT_SENT[d.clientStops]);
    return { status: 'failed' };
  }
  const settings = ctx.config.webhooks;
  const res = await sendWebhook({
    url: d.url,
    secret: d.secret,
    id: d.id,
    type: d.event,
    data: d.payload,
    timeoutMs: settings.timeoutMs,
    policy: settings,
  });
  if (res.ok) {
    await close('delivered', res.status, null);
    return { status: 'delivered' };
  }
  if (res.permanent || d.attempts + 1 >= settings.maxAttempts) {
    await close('failed', res.status, res.error);
    ctx.logger.info(
      { deliveryId: d.id, attempts: d.attempts + 1, status: res.status },
      'webhook delivery failed',
    );
    return { status: 'failed' };
  }
  await createWebhooksRepo(ctx.db).attempted(d.id, {
    status: 'pending',
    httpStatus: res.status,
    error: res.error,
  });
  const backoff = Math.min(ctx.config.jobs.backoffMs * 2 ** d.attempts, HOUR_MS);
  const waitMs = Math.min(res.retryAfterMs ?? backoff * (0.5 + Math.random() / 2), HOUR_MS);
  if (job.deferUntil) return job.deferUntil(Date.now() + waitMs);
  throw new AppError('ERR_WEBHOOK_URL', `delivery pending: ${res.error}`, { status: 503 });
}

export const webhookDeliverJob = defineJob({ ...webhookDeliver, concurrency: 8, process: deliver });
