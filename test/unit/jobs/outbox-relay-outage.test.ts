/**
 * The outbox relay through a database outage (./outbox-relay.ts `relayPass`): it polls twice a second,
 * and every pass failed with a warning, so an outage of a minute wrote ~120 lines. Now the outage is
 * logged when it starts (warn, the error's name and code) and when a pass succeeds again (info, how
 * long, how many passes failed), and each failed pass is counted in `truc_outbox_relay_failures_total`.
 * The database is a migrated in-memory one whose statements fail, while "down", as node-postgres fails
 * on a refused connection; the queue is a fake that takes every job.
 */
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay } from '../../../src/jobs/outbox-relay.js';
import type { QueueFactory } from '../../../src/jobs/queues.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { Db } from '../../../src/store/db.js';
import { createOutboxRepo } from '../../../src/store/outbox.js';
import { waitFor } from '../../helpers/env.js';
import { captureLog } from '../../helpers/log-lines.js';
import { createMemoryDb, MEMORY_DB_TIMEOUT_MS, type MemoryDb } from '../../helpers/memory-db.js';

let memory: MemoryDb;
let down = false;
const refused = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
/** The memory database, refusing every statement while `down`. */
const flaky = (): Db => ({
  ...memory,
  query: (sql, params) => (down ? Promise.reject(refused()) : memory.query(sql, params)),
  tx: (fn) => (down ? Promise.reject(refused()) : memory.tx(fn)),
});

const added: string[] = [];
const queues: QueueFactory = {
  backend: 'redis',
  queue: () =>
    ({
      addBulk: async (jobs: Array<{ opts: { jobId: string } }>) => {
        added.push(...jobs.map((j) => j.opts.jobId));
        return [];
      },
      close: async () => undefined,
    }) as unknown as Queue,
  worker: () => {
    throw new Error('no worker here');
  },
  ping: async () => undefined,
  close: async () => undefined,
};

beforeAll(async () => {
  memory = await createMemoryDb();
}, MEMORY_DB_TIMEOUT_MS);
afterAll(async () => {
  await memory?.close();
});

describe('outbox relay: a database outage', () => {
  it('is logged once when it starts and once when it ends; each failed pass is counted', async () => {
    const { logger, lines } = captureLog();
    const metrics = createMetrics();
    const failedPasses = async (): Promise<number> =>
      (await metrics.outboxRelayFailures.get()).values[0]?.value ?? 0;
    const relay = createRelay(
      { db: flaky(), queues, logger, metrics },
      { pollMs: 10, batch: 10, reconcileEveryMs: 3_600_000 },
    );
    relay.start();
    try {
      const before = await createOutboxRepo(memory).add('ingest', 'ingest-batch', { batchId: 'b-1' });
      await waitFor(async () => added.length === 1, { timeoutMs: 30_000, what: 'the first row queued' });

      down = true;
      await waitFor(async () => (await failedPasses()) >= 5, {
        timeoutMs: 30_000,
        what: 'five failed passes',
      });
      const warned = lines.filter((l) => l.level === 'warn');
      expect(warned).toHaveLength(1);
      expect(warned[0]!.msg).toMatch(/outbox relay passes failing/);
      expect(warned[0]!.err).toEqual({
        type: 'Error',
        code: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED 127.0.0.1:5432',
      });

      const during = await createOutboxRepo(memory).add('ingest', 'ingest-batch', { batchId: 'b-2' });
      const failed = await failedPasses();
      down = false;
      await waitFor(async () => added.length === 2, {
        timeoutMs: 30_000,
        what: 'the row added during it queued',
      });
      expect(added.map((id) => id.split('-').at(-1))).toEqual([String(before), String(during)]);
      const back = lines.filter((l) => l.level === 'info');
      expect(back).toHaveLength(1);
      expect(back[0]!.msg).toMatch(/outbox relay passes succeed again/);
      expect(back[0]!.failures).toBeGreaterThanOrEqual(failed);
      expect(back[0]!.downSeconds).toEqual(expect.any(Number));
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);

      // A second outage is heard again.
      down = true;
      await waitFor(async () => lines.filter((l) => l.level === 'warn').length === 2, {
        timeoutMs: 30_000,
        what: 'the second outage logged',
      });
      down = false;
      await waitFor(async () => lines.filter((l) => l.level === 'info').length === 2, {
        timeoutMs: 30_000,
        what: 'its end logged',
      });
    } finally {
      down = false;
      await relay.stop();
    }
  });
});
