/**
 * PCGD compute: fills in one pending version of a unit's PCGD report (a commune's figures with their
 * lineage, or a province's roll-up over its communes) from the persons already pulled. The payload is
 * the report's id; the logic is src/reporting/pcgd/service.ts `runCompute` (idempotent: a version no
 * longer pending is left alone). A failure retrying cannot mend marks the version `failed` and is permanent.
 */
import type { PcgdConfig } from '../config.js';
import { failureCode, PermanentJobError, defineJob, type JobRun } from './define.js';
import { isAppError } from '../errors.js';
import { runCompute } from '../reporting/pcgd/service.js';
import { createOutboxRepo } from '../store/outbox.js';
import { pcgdCompute } from './contracts.js';
import type { WorkerContext } from './context.js';

type ComputeContext = Pick<WorkerContext, 'db' | 'logger' | 'config' | 'now'>;

async function compute(ctx: ComputeContext, payload: { reportId: number }, job: JobRun) {
  const pcgd: PcgdConfig = ctx.config.pcgd;
  try {
    const row = await runCompute(
      { db: ctx.db, pcgd, dataDir: ctx.config.database.dataDir, now: ctx.now },
      payload.reportId,
    );
    await createOutboxRepo(ctx.db).markDone(job.outboxId);
    if (row)
      ctx.logger.info(
        {
          reportId: row.id,
          unitCode: row.unit_code,
          year: row.year,
          status: row.status,
          persons: row.persons,
        },
        'pcgd report computed',
      );
    return row ? { reportId: row.id, status: row.status } : null;
  } catch (err) {
    if (isAppError(err) && !err.retryable)
      throw new PermanentJobError(failureCode(err), err.message, { cause: err });
    throw err;
  }
}

/** The compute job: its own queue, one at a time per worker (a province reads every person of it). */
export const pcgdComputeJob = defineJob({
  ...pcgdCompute,
  concurrency: 1,
  process: compute,
});
