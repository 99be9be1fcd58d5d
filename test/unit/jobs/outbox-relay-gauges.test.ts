/**
 * The outbox relay's gauges (./outbox-relay.ts `publishOutboxMetrics`, at every poll): the outbox's pending rows
 * and the open dead letters per queue, read in one statement (issue 7: two statements a poll, each poll's share
 * of a vendor batch's cost in the ingest bench). The database is a migrated in-memory one whose statements are
 * recorded; the queue is a fake that takes every job.
 */
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelay } from '../../../src/jobs/outbox-relay.js';
import type { QueueFactory } from '../../../src/jobs/queues.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import type { Db } from '../../../src/store/db.js';
import { createDeadLettersRepo } from '../../../src/store/dead-letters.js';
import { createOutboxRepo } from '../../../src/store/outbox.js';
import { waitFor } from '../../helpers/env.js';
import { captureLog } from '../../helpers/log-lines.js';
import { createMemoryDb, MEMORY_DB_TIMEOUT_MS, type MemoryDb } from '../../helpers/memory-db.js';

let memory: MemoryDb;
beforeAll(async () => {
  memory = await createMemoryDb();
}, MEMORY_DB_TIMEOUT_MS);
afterAll(async () => {
  await memory?.close();
});

const queues: QueueFactory = {
  backend: 'redis',
  queue: () => ({ addBulk: async () => [], close: async () => undefined }) as unknown as Queue,
  worker: () => {
    throw new Error('no worker here');
  },
  ping: async () => undefined,
  close: async () => undefined,
};

describe('outbox relay: its gauges', () => {
  it('publishes the pending rows and the open dead letters per queue from one statement a poll', async () => {
    // A row claimed by its adder (the relay leaves it alone: it stays pending) and an open dead letter.
    await createOutboxRepo(memory).add('ingest', 'ingest-batch', { batchId: 'b-1' }, { leaseSeconds: 600 });
    await createDeadLettersRepo(memory).insert({
      mappingVersion: null,
      outboxId: undefined,
      queue: 'push.hcm-csdl',
      jobName: 'push-set',
      errorCode: 'ERR_INTERNAL',
      errorMessage: 'test',
      attempts: 1,
    });
    const sent: string[] = [];
    const db: Db = {
      ...memory,
      query: (sql, params) => (sent.push(sql), memory.query(sql, params)),
    };
    const metrics = createMetrics();
    const relay = createRelay(
      { db, queues, logger: captureLog().logger, metrics },
      { pollMs: 10, batch: 10, reconcileEveryMs: 3_600_000 },
    );
    relay.start();
    try {
      await waitFor(async () => sent.filter((s) => s.includes('truc.dead_letters')).length >= 3, {
        timeoutMs: 20_000,
      });
    } finally {
      await relay.stop();
    }
    expect((await metrics.outboxPending.get()).values[0]?.value).toBe(1);
    const open = (await metrics.registry.getSingleMetric('truc_dead_letters_open')?.get())?.values ?? [];
    expect(open.find((v) => v.labels.queue === 'push.hcm-csdl')?.value).toBe(1);
    // Every read of the dead letters is the one that also reads the outbox's pending rows (was two statements).
    const gauges = sent.filter((s) => s.includes('truc.dead_letters') || /enqueued_at IS NULL\s*$/.test(s));
    expect(gauges.every((s) => s.includes('truc.dead_letters') && s.includes('truc.outbox'))).toBe(true);
  });
});
