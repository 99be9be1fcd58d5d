/**
 * Issue 7 (perf30b): the API adds an accepted batch's ingest job to its queue itself, right after the commit
 * that stored the batch and its outbox row, with the job id the relay would give it (`ob-<install>-<row id>`):
 * no notification, no relay claim and mark, no hop through the relay's process. The row is written handed over
 * (../store/outbox.ts `flushHandedOver`) and stays the safety net: an add that fails or times out hands the row back to
 * the relay at once (its `enqueued_at` cleared, the relay woken); a process that dies between the commit and the
 * add (or before the hand-back) leaves an open row whose job is missing, which the relay's reconciler re-queues
 * once it has been open `sync.reconcile.afterSeconds` (./outbox-relay.ts `requeueLost`). Either way the job's id
 * is the row's, so a second add is a no-op, and the ingest of a done batch is one too.
 */
import type { Logger } from 'pino';
import { outageLog } from '../observability/outage.js';
import type { Db } from '../store/db.js';
import { createOutboxRepo, createOutboxWaker, readInstallId, type OutboxRow } from '../store/outbox.js';
import { jobOfRow } from './outbox-relay.js';
import { queuePool, type QueueFactory } from './queues.js';

export interface HandOver {
  /** Adds `row`'s job to its queue (not waited for: a failure hands the row back to the relay). */
  add(row: OutboxRow): void;
  /** Waits for the adds in flight, then closes its queues. */
  close(): Promise<void>;
}

export function createHandOver(
  deps: { db: Db; queues: QueueFactory; logger: Logger },
  opts: { queueTimeoutMs?: number } = {},
): HandOver {
  const queues = queuePool(deps.queues, opts.queueTimeoutMs ?? 5000);
  const waker = createOutboxWaker(deps.db);
  const outage = outageLog(deps.logger, {
    failing:
      'accepted batches not added to their queue (queue unreachable); the outbox relay queues them. Logged again when an add succeeds',
    back: 'accepted batches are added to their queue again',
  });
  let install: Promise<string> | undefined;
  const installId = (): Promise<string> =>
    (install ??= readInstallId(deps.db).catch((err: unknown) => {
      install = undefined;
      throw err;
    }));
  const inFlight = new Set<Promise<void>>();

  async function addOne(row: OutboxRow): Promise<void> {
    try {
      const job = jobOfRow(await installId(), row);
      await queues.on(row.queue, (q) => q.add(job.name, job.data, job.opts));
      outage.ok();
    } catch (err) {
      outage.failed(err);
      // Back to the relay (it retries at every poll); if this fails too, the reconciler finds the row.
      await createOutboxRepo(deps.db)
        .requeue([row.id])
        .then(() => waker.wake())
        .catch(() => undefined);
    }
  }

  return {
    add(row) {
      const p: Promise<void> = addOne(row).finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      await queues.closeAll();
    },
  };
}
