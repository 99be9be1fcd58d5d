/**
 * The outbox reconciler (./outbox-relay.ts `requeueLost`) against jobs that finish while it looks: it
 * reads the stale open rows first, then each row's job, so a job may complete or fail for good in
 * between. Issue 7: under an ingest backlog it warned "outbox rows re-queued: their jobs were missing"
 * for rows whose jobs had just completed (nothing was re-queued), and a job whose last attempt had just
 * failed was removed and its row handed back to the relay before its dead letter was recorded, so the
 * dead-lettered work ran again. The queue here is a fake that answers per job id; the database is real.
 */
import type { Logger } from 'pino';
import type { Queue } from 'bullmq';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRelay } from '../../../src/jobs/outbox-relay.js';
import type { QueueFactory } from '../../../src/jobs/queues.js';
import { createMetrics } from '../../../src/observability/metrics.js';
import { createOutboxRepo, jobIdOf, readInstallId } from '../../../src/store/outbox.js';
import { useMemoryDb } from '../../helpers/memory-db.js';

interface FakeJob {
  finishedOn?: number;
  getState(): Promise<string>;
  remove(): Promise<void>;
}

const db = useMemoryDb();
let installId: string;
/** What the fake queue answers for a row's job: called when the reconciler asks for it. */
const answers = new Map<number, () => Promise<FakeJob | undefined>>();
const removed: number[] = [];

const queues: QueueFactory = {
  backend: 'redis',
  queue: () =>
    ({
      async getJob(id: string) {
        const row = [...answers.keys()].find((r) => jobIdOf(installId, r) === id);
        return row === undefined ? undefined : answers.get(row)!();
      },
      close: async () => undefined,
    }) as unknown as Queue,
  worker: () => {
    throw new Error('no worker here');
  },
  ping: async () => undefined,
  close: async () => undefined,
};

const job = (row: number, state: string, finishedOn?: number): FakeJob => ({
  ...(finishedOn === undefined ? {} : { finishedOn }),
  getState: async () => state,
  remove: async () => void removed.push(row),
});

/** A relay whose warnings are kept; the reconciler looks at rows enqueued over `afterSeconds` ago. */
function relayOf(afterSeconds: number) {
  const warn = vi.fn();
  const logger = { warn, debug: vi.fn(), info: vi.fn(), error: vi.fn() } as unknown as Logger;
  const relay = createRelay(
    { db, queues, logger, metrics: createMetrics() },
    { pollMs: 60_000, batch: 10, reconcileAfterSeconds: afterSeconds },
  );
  return { relay, warn };
}

/** An outbox row handed to the queue `ago` seconds ago. */
async function enqueuedRow(ago: number): Promise<number> {
  const outbox = createOutboxRepo(db);
  const id = await outbox.add('ingest', 'ingest-batch', { batchId: `b-${Math.random()}` });
  expect((await outbox.claimPending(10)).map((r) => r.id)).toEqual([id]);
  await outbox.markEnqueued([id]);
  await db.query(`UPDATE truc.outbox SET enqueued_at = now() - make_interval(secs => $2) WHERE id = $1`, [
    id,
    ago,
  ]);
  return id;
}

beforeAll(async () => {
  installId = await readInstallId(db);
});
beforeEach(() => {
  answers.clear();
  removed.length = 0;
});

describe('outbox reconciler', () => {
  it('a job that completes between the read of its row and its own: nothing re-queued or removed, no warning', async () => {
    const outbox = createOutboxRepo(db);
    const [completed, removedOnComplete] = [await enqueuedRow(5), await enqueuedRow(5)];
    // Each job closes its row, then completes; the second is then removed (removeOnComplete).
    answers.set(completed, async () => {
      await outbox.markDone(completed);
      return job(completed, 'completed', Date.now());
    });
    answers.set(removedOnComplete, async () => {
      await outbox.markDone(removedOnComplete);
      return undefined;
    });
    const { relay, warn } = relayOf(0);
    try {
      expect(await relay.reconcileOnce()).toBe(0);
    } finally {
      await relay.stop();
    }
    expect(removed).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a job whose last attempt failed just now is left to its dead letter: its row is never enqueued again', async () => {
    const outbox = createOutboxRepo(db);
    const row = await enqueuedRow(120);
    answers.set(row, async () => job(row, 'failed', Date.now()));
    const { relay, warn } = relayOf(60);
    try {
      expect(await relay.reconcileOnce()).toBe(0);
      expect(removed).toEqual([]);
      // The worker's dead letter commits (worker.ts onFailed, after BullMQ moved the job to failed).
      await outbox.markDead(row);
      expect(await relay.reconcileOnce()).toBe(0);
    } finally {
      await relay.stop();
    }
    expect(await outbox.claimPending(10)).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a job missing, or one finished long ago with its row still open, is re-queued; a row that died meanwhile is not claimed', async () => {
    const outbox = createOutboxRepo(db);
    const [lost, leftOver, waiting] = [
      await enqueuedRow(120),
      await enqueuedRow(120),
      await enqueuedRow(120),
    ];
    answers.set(lost, async () => undefined);
    answers.set(leftOver, async () => job(leftOver, 'completed', Date.now() - 3_600_000));
    answers.set(waiting, async () => job(waiting, 'waiting'));
    const { relay, warn } = relayOf(60);
    try {
      expect(await relay.reconcileOnce()).toBe(2);
    } finally {
      await relay.stop();
    }
    expect(removed).toEqual([leftOver]);
    expect(warn).toHaveBeenCalledWith({ rows: 2 }, 'outbox rows re-queued: their jobs were missing');
    // A dead letter recorded after the hand-back (a job failing for good in between): not claimed again.
    await outbox.markDead(leftOver);
    expect((await outbox.claimPending(10)).map((r) => r.id)).toEqual([lost]);
  });
});
