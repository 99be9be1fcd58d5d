/**
 * A queue object made while Redis is down (issue 7): BullMQ may keep its failed start-up, and its
 * calls then never settle — the relay's pass hung for good and nothing was enqueued again until the
 * process restarted. The relay now bounds every queue call, drops a queue object whose call failed or
 * timed out, and builds a new one on its next pass. A Redis of
 * the test's own (private port, no persistence) is killed and started again; the shared Redis is
 * never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay } from '../../src/jobs/outbox-relay.js';
import { redisQueueFactory } from '../../src/jobs/queues.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { createOutboxRepo } from '../../src/store/outbox.js';
import { openTestStore, waitFor, type TestStore } from '../helpers/env.js';
import { startOwnRedis, type OwnRedis } from '../helpers/faults.js';

describe('outbox relay across a Redis restart', () => {
  let store: TestStore;
  let redis: OwnRedis | undefined;

  beforeAll(async () => {
    store = await openTestStore('postgres');
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
    await store?.cleanup();
  });

  it('a queue first used while Redis is down works once Redis is back, without a restart', async () => {
    redis = await startOwnRedis();
    const queues = redisQueueFactory(
      redis.url,
      {
        attempts: 2,
        backoffMs: 10,
        keepCompleted: 10,
        keepFailed: 10,
        queuePrefix: 'truc-restart',
      },
      createLogger('silent'),
    );
    const relay = createRelay(
      { db: store.db, queues, logger: createLogger('silent'), metrics: createMetrics() },
      { pollMs: 50, batch: 10, queueTimeoutMs: 2000 },
    );
    try {
      await redis.kill();
      await createOutboxRepo(store.db).add('ingest', 'ingest-batch', { batchId: 'b-1' });
      // The relay's first use of the queue happens while Redis is down: it fails, the row stays pending.
      await expect(relay.relayOnce()).rejects.toThrow();

      await redis.start();
      const enqueued = await waitFor(() => relay.relayOnce().catch(() => 0), {
        timeoutMs: 15_000,
        intervalMs: 200,
        what: 'the relay to enqueue again',
      });
      expect(enqueued).toBe(1);
      const job = await queues.queue('ingest').getJobs(['wait']);
      expect(job.map((j) => j.data as unknown)).toEqual([expect.objectContaining({ batchId: 'b-1' })]);
    } finally {
      await relay.stop();
      await queues.close();
    }
  });
});
