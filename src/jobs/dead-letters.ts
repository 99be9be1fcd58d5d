/**
 * The life of a dead letter. A job that failed for good is recorded with its code, its outbox row is
 * marked dead and the batch or sync run it was about is marked failed. Operators replay letters
 * singly or in bulk: a replay writes a fresh outbox row with the original work (the relay queues it
 * like any other), re-opens the batch or sync run, and marks the letter replayed. Each in one
 * transaction, audited.
 */
import { appendAudit } from '../audit/chain.js';
import type { Db } from '../store/db.js';
import { createBatchesRepo } from '../store/batches.js';
import { createDeadLettersRepo, type DeadLetterFilter } from '../store/dead-letters.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { workOf } from './contracts.js';

export interface FailedJob {
  outboxId: number | undefined;
  queue: string;
  name: string;
  /** BullMQ's job id, for the audit subject. */
  jobId: string | undefined;
  payload: Record<string, unknown>;
  code: string;
  message: string;
  attempts: number;
}

/** Records a job that failed for good: the letter, its outbox row dead, its batch or run failed, audit. */
export async function recordDeadLetter(db: Db, job: FailedJob): Promise<void> {
  await db.tx(async (q) => {
    await createDeadLettersRepo(q).insert({
      outboxId: job.outboxId,
      queue: job.queue,
      jobName: job.name,
      errorCode: job.code,
      errorMessage: job.message.slice(0, 500),
      attempts: job.attempts,
    });
    if (job.outboxId !== undefined) await createOutboxRepo(q).markDead(job.outboxId);
    const { batchId, syncRunId, pushSetId } = workOf(job.payload);
    if (batchId !== undefined) await createBatchesRepo(q).fail(batchId, job.code);
    if (syncRunId !== undefined) await createSyncRunsRepo(q).fail(syncRunId, job.code);
    // A push set's batch keeps its ingest status; the batch shows this target's delivery as failed.
    if (pushSetId !== undefined) await createPushSetsRepo(q).fail(pushSetId, job.code);
    await appendAudit(q, [
      {
        actor: 'system:worker',
        action: 'job.dead',
        subject: `job:${job.queue}/${job.jobId ?? ''}`,
        details: { queue: job.queue, job: job.name, code: job.code, attempts: job.attempts },
      },
    ]);
  });
}

/** Replays the matching letters (at most `max`); returns the ids replayed. */
export async function replayDeadLetters(
  db: Db,
  filter: DeadLetterFilter,
  actor: string,
  max = 1000,
): Promise<number[]> {
  return db.tx(async (q) => {
    const letters = createDeadLettersRepo(q);
    const outbox = createOutboxRepo(q);
    const replayed: number[] = [];
    for (const letter of await letters.lockForReplay(filter, max)) {
      if (letter.outboxId === null) continue; // the outbox row is gone: nothing to replay from
      await outbox.add(letter.queue, letter.jobName, letter.payload as Record<string, string | number>);
      const { batchId, syncRunId, pushSetId } = workOf(letter.payload);
      if (batchId !== undefined) await createBatchesRepo(q).reopen(batchId);
      if (syncRunId !== undefined) await createSyncRunsRepo(q).reopen(syncRunId);
      if (pushSetId !== undefined) await createPushSetsRepo(q).reopen(pushSetId);
      replayed.push(letter.id);
    }
    await letters.markReplayed(replayed);
    if (replayed.length > 0) {
      await appendAudit(q, [
        {
          actor,
          action: 'dead_letters.replayed',
          details: { count: replayed.length, ids: replayed.slice(0, 100).map(String) },
        },
      ]);
    }
    return replayed;
  });
}
