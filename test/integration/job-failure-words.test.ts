/**
 * A failed job's words at rest in its queue (fix31f): BullMQ keeps a failed job's `failedReason` and
 * `stacktrace` (in its Redis hash, or the PostgreSQL backend's job table) for up to 7 days, and puts the
 * reason in its `failed` event; whatever reads jobs (a dashboard, the CLI) would show a PostgreSQL error
 * quoting the value it refused (`invalid input syntax for type date: "<a name>"`). A job failing with one
 * through a worker on each backend: its stored reason, stack and events say what failed, not the value,
 * and it is still retried as before (two attempts made).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../src/config.js';
import type { WorkerContext } from '../../src/jobs/context.js';
import { defineJob } from '../../src/jobs/define.js';
import { postgresQueueFactory, redisQueueFactory, type QueueFactory } from '../../src/jobs/queues.js';
import type { RegisteredJob } from '../../src/jobs/registry.js';
import { startWorkers } from '../../src/jobs/worker.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { openTestStore, randomSuffix, REDIS_TEST_URL, waitFor, type TestStore } from '../helpers/env.js';
import { captureLog } from '../helpers/log-lines.js';
import { deleteRedisKeys } from '../helpers/redis.js';

const NAME = 'Nguyễn Thị Hoa';
const SAFE_REASON = 'invalid input syntax for type date: "…"';
const DEFAULTS = { attempts: 2, backoffMs: 10, keepCompleted: 10, keepFailed: 10 };

describe("a failed job's reason and stack at rest in its queue", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore('postgres');
    await store.db.query('create table leak_probe (personal_id text primary key, birth_date date)');
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  /** Runs a job whose every attempt fails with PostgreSQL's refusal of a name as a date, until it failed. */
  async function failOn(
    queues: QueueFactory,
    stored: (id: string) => Promise<Record<string, string> | undefined>,
  ) {
    const { logger } = captureLog();
    const config = loadConfig({ env: { TRUC_PROFILE: 'test' } });
    const job = defineJob({
      queue: 'leak-probe',
      name: 'write',
      payload: z.object({ n: z.number() }),
      concurrency: 1,
      process: async () => {
        await store.db.query('insert into leak_probe values ($1, $2)', ['079219000001', NAME]);
      },
    }) as RegisteredJob;
    const deps = { db: store.db, logger, metrics: createMetrics(), queues, now: () => new Date() };
    const ctx = { config, db: store.db, logger, metrics: deps.metrics } as unknown as WorkerContext;
    const workers = startWorkers(deps, ctx, [job]);
    try {
      const added = await queues.queue('leak-probe').add('write', { n: 1 });
      return await waitFor(
        async () => {
          const row = await stored(added.id!);
          return row?.state === 'failed' ? row : undefined;
        },
        { timeoutMs: 20_000, what: 'the failed job' },
      );
    } finally {
      await workers.close(2_000);
      await queues.close();
    }
  }

  it('on Redis: the job hash and the events stream hold the words, not the value', async () => {
    const prefix = `truc-t-${randomSuffix()}`;
    const { logger } = captureLog();
    const queues = redisQueueFactory(REDIS_TEST_URL, { ...DEFAULTS, queuePrefix: prefix }, logger);
    const redis = new Redis(REDIS_TEST_URL);
    try {
      const hash = await failOn(queues, async (id) => {
        // The failed set first: once the job is in it, its hash is final.
        const failed = await redis.zscore(`${prefix}:leak-probe:failed`, id);
        const h = await redis.hgetall(`${prefix}:leak-probe:${id}`);
        return h.failedReason ? { ...h, state: failed === null ? 'retrying' : 'failed' } : undefined;
      });
      expect(hash.failedReason).toBe(SAFE_REASON);
      expect(hash.atm).toBe('2');
      const traces = JSON.parse(hash.stacktrace!) as string[];
      expect(traces).toHaveLength(2);
      for (const trace of traces) expect(trace).toMatch(/^error: invalid input syntax for type date: "…"/);
      expect(JSON.stringify(hash)).not.toContain('Nguy');
      const events = JSON.stringify(await redis.xrange(`${prefix}:leak-probe:events`, '-', '+'));
      expect(events).toContain('failed');
      expect(events).not.toContain('Nguy');
    } finally {
      redis.disconnect();
      await deleteRedisKeys(REDIS_TEST_URL, prefix).catch(() => undefined);
    }
  });

  it("on PostgreSQL (queues in the database): the job's row and events hold the words, not the value", async () => {
    const schema = `bullmq_t_${randomSuffix()}`;
    const queues = postgresQueueFactory(
      { connectionString: store.location, schema },
      DEFAULTS,
      async () => {},
      1,
    );
    const row = await failOn(queues, async (id) => {
      const r = await store.db.query<{
        state: string;
        failed_reason: string;
        stacktrace: string[];
        attempts_made: number;
      }>(
        `select state::text, failed_reason, stacktrace, attempts_made from ${schema}.job where queue = 'leak-probe' and id = $1`,
        [id],
      );
      return r.rows[0] as unknown as Record<string, string> | undefined;
    });
    expect(row).toMatchObject({ failed_reason: SAFE_REASON, attempts_made: 2 });
    expect(row.stacktrace).toHaveLength(2);
    expect(JSON.stringify(row)).not.toContain('Nguy');
    const events = await store.db.query(`select data::text from ${schema}.event where queue = 'leak-probe'`);
    expect(JSON.stringify(events.rows)).toContain('failedReason');
    expect(JSON.stringify(events.rows)).not.toContain('Nguy');
  });
});
