/**
 * Outbox rows run as the worker runs them (`nextRow`, `runRow`, `drain`), for the job unit tests: the registry's job
 * of a row's queue and name, over a {@link TestContext}. Import them from ./fixtures.js, the tests' one entry point.
 */
import { recordDeadLetter } from '../../../src/jobs/dead-letters.js';
import type { JobRun } from '../../../src/jobs/define.js';
import { jobsFor } from '../../../src/jobs/registry.js';
import type { MemoryDb } from '../../helpers/memory-db.js';
import type { TestContext } from './fixtures.js';

/** The JobRun of a job made from outbox row `outboxId`. */
export function runOf(queue: string, name: string, outboxId: number | undefined): JobRun {
  return { id: `job-${outboxId ?? 'x'}`, queue, name, attempt: 1, outboxId };
}

/** An outbox row, as the relay reads it. */
export interface OutboxRow {
  id: number;
  queue: string;
  job_name: string;
  payload: Record<string, unknown>;
}

/** Open outbox rows (not done, not dead), oldest first. */
export async function openWork(db: MemoryDb) {
  return db.rows<OutboxRow>('truc.outbox', 'done_at IS NULL AND dead_at IS NULL ORDER BY id');
}

/** The oldest open outbox row that `which` accepts (e.g. `byQueue('pull')`), if any. */
export async function nextRow(
  db: MemoryDb,
  which: (row: OutboxRow) => boolean,
): Promise<OutboxRow | undefined> {
  return (await openWork(db)).find(which);
}

export const byQueue = (queue: string) => (row: OutboxRow) => row.queue === queue;

/** Dead-letters an outbox row's job, as the worker does when its attempts are spent (or its failure is permanent). */
export async function deadLetterRow(
  ctx: TestContext,
  row: OutboxRow,
  failure: { code?: string; message?: string; attempts?: number } = {},
): Promise<void> {
  await recordDeadLetter(ctx.db, {
    outboxId: row.id,
    queue: row.queue,
    name: row.job_name,
    jobId: `job-${row.id}`,
    payload: row.payload,
    code: failure.code ?? 'ERR_ADAPTER_REJECTED',
    message: failure.message ?? 'refused',
    attempts: failure.attempts ?? 5,
    at: ctx.now(),
  });
}
export const ofBatch = (batchId: string) => (row: OutboxRow) => row.payload.batchId === batchId;

/**
 * Runs an outbox row's job as the worker does: the registry's job of its queue and name (or `job`, for
 * its result's type).
 */
export function runRow<R = unknown>(
  ctx: TestContext,
  row: OutboxRow,
  job?: { run(ctx: TestContext, data: unknown, run: JobRun): Promise<R> },
): Promise<R> {
  const served = job ?? jobsFor(ctx).find((j) => j.queue === row.queue && j.name === row.job_name);
  if (!served) throw new Error(`no job ${row.queue}/${row.job_name} in the registry`);
  return served.run(ctx, row.payload, runOf(row.queue, row.job_name, row.id)) as Promise<R>;
}

/** Runs the oldest open pull job (a reconciliation excepted) as the worker does, `at` its context (its clock); its result. */
export async function runNextPull(ctx: TestContext, at: TestContext = ctx): Promise<unknown> {
  const row = await nextRow(ctx.db, (r) => r.queue === 'pull' && r.job_name !== 'reconcile-run');
  return row && runRow(at, row);
}

/** Runs the oldest open reconciliation job (`reconcile-run`) as the worker does; its result. */
export async function runNextReconcile(ctx: TestContext): Promise<unknown> {
  const row = await nextRow(ctx.db, (r) => r.job_name === 'reconcile-run');
  return row && runRow(ctx, row);
}

/**
 * Runs the open jobs of `queue` one after the other, oldest first, until none is left (`beforeJob` sees
 * each row first); their results.
 */
export async function drain(
  ctx: TestContext,
  queue: string,
  beforeJob: (row: OutboxRow) => void = () => undefined,
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < 20; i++) {
    const row = await nextRow(ctx.db, byQueue(queue));
    if (!row) return out;
    beforeJob(row);
    out.push(await runRow(ctx, row));
  }
  throw new Error(`drain: more than 20 jobs on ${queue}`);
}
