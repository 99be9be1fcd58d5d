/**
 * Webhooks over PostgreSQL for integration tests: the API harness, a vendor's receiver on loopback, and the
 * fan-out and delivery jobs run here one by one, as a worker would run them (`drain`).
 */
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll } from 'vitest';
import type { JobRun } from '../../src/jobs/define.js';
import { webhookDeliverJob } from '../../src/jobs/webhook-deliver.js';
import { webhookFanoutJob } from '../../src/jobs/webhook-fanout.js';
import { useApiHarness, type ApiHarness } from './api.js';
import { backends } from './env.js';
import { startWebhookReceiver, type ReceivedDelivery, type WebhookReceiver } from './webhook-receiver.js';

export interface WebhookJobs {
  /** The API on PostgreSQL (queues in it). */
  h: ApiHarness;
  /** The receiver, started before the suite's tests (read it through this object: it is set by the hook). */
  hooks: WebhookReceiver;
  /** Runs every open webhook job in the outbox (fan-out first, then deliveries) until none is left (5 rounds at most). */
  drain: () => Promise<void>;
}

/** For the enclosing suite (or file): the harness and the receiver, started before its tests, closed after them. */
export function useWebhookJobs(): WebhookJobs {
  const h = useApiHarness(backends()[2]!);
  const ctx = () => ({ db: h.env.deps.db, logger: pino({ level: 'silent' }), config: h.env.config });
  const run = (outboxId: number): JobRun => ({
    id: undefined,
    queue: 'webhooks',
    name: 'x',
    attempt: 1,
    outboxId,
  });
  const jobs: WebhookJobs = {
    h,
    hooks: undefined as unknown as WebhookReceiver,
    drain: async () => {
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
          await job.run(ctx(), r.payload, run(r.id)).catch(() => undefined); // a pending retry throws
        }
      }
    },
  };
  beforeAll(async () => {
    jobs.hooks = await startWebhookReceiver();
  });
  afterAll(async () => {
    await jobs.hooks?.close();
  });
  return jobs;
}

/** A delivery's body, verified against `secret` the Standard Webhooks way (throws when the signature does not hold). */
export function verified(
  secret: string,
  r: ReceivedDelivery,
): { type: string; data: Record<string, unknown> } {
  const headers = Object.fromEntries(
    ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((k) => [k, String(r.headers[k])]),
  );
  return new Webhook(secret).verify(r.body, headers) as { type: string; data: Record<string, unknown> };
}
