/**
 * Queues in a PostgreSQL database of their own (src/jobs/queues.ts `postgresQueueFactory`, schema `bullmq`), beside
 * a {@link usePostgresEnv} environment, and the stored-state gauges over them: for tests that refuse or hold that
 * database while the gauges refresh (test/integration/queue-pool-refused, flaky37-queue-startup).
 */
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { postgresQueueFactory, type QueueFactory } from '../../src/jobs/queues.js';
import { registerStateMetrics } from '../../src/jobs/state-metrics.js';
import { createMetrics, type Metrics } from '../../src/observability/metrics.js';
import { createTestDatabase, type TestDatabase, type TestEnv } from './env.js';

export interface QueueDb {
  /** The queues' database (not the environment's). */
  db: TestDatabase;
  factory: QueueFactory;
  /** Fresh metrics and the stored-state gauges' refresh on `env`'s store and these queues. */
  gauges(env: TestEnv): { metrics: Metrics; refresh: () => Promise<void> };
}

/**
 * The queues' database and factory for the enclosing suite: made by a `beforeAll` hook, closed and dropped by an
 * `afterAll` one (after the suite's own, registered after this call). The getter returns them.
 */
export function useQueueDb(): () => QueueDb {
  let queueDb: TestDatabase | undefined;
  let queues: QueueFactory | undefined;
  beforeAll(async () => {
    queueDb = await createTestDatabase();
    queues = postgresQueueFactory(
      { connectionString: queueDb.url, schema: 'bullmq' },
      { attempts: 1, backoffMs: 100, keepCompleted: 10, keepFailed: 10 },
      () => Promise.resolve(),
    );
  }, 60_000);
  afterAll(async () => {
    await queues?.close().catch(() => undefined);
    await queueDb?.drop().catch(() => undefined);
  });
  return () => {
    if (!queueDb || !queues)
      throw new Error('useQueueDb: no queues yet (its beforeAll has not run, or failed)');
    const made = { db: queueDb, factory: queues };
    const gauges = (env: TestEnv) => {
      const metrics = createMetrics();
      const refresh = registerStateMetrics({
        ...env.deps,
        queues: made.factory,
        metrics,
        logger: pino({ level: 'silent' }),
        now: () => new Date(),
      });
      return { metrics, refresh };
    };
    return { ...made, gauges };
  };
}
