/**
 * Applies a change of the mass-change guard that a city admin approved (issue 7): a vendor snapshot's
 * held deletions. The snapshot's records were applied when it was ingested; the records it omitted are
 * deleted now — those of the hold's keys still live in the school whose word arrived before the snapshot
 * (../store/word-arrival.ts: a record written, deleted or carried unchanged by a batch that arrived after it, by
 * anyone, is left alone; a vendor's re-push judged at once writes nothing, so what it carried is read from its
 * batch: ./repeat-carried.ts) — and
 * the deletions travel to every target like any other. Once per hold, in one transaction, audited. The hold keeps how
 * many it applied of how many it held, and each record left alone with why (./guard-kept.ts; walk5 W5-12).
 */
import { appendAudit } from '../audit/chain.js';
import { createBatchesRepo } from '../store/batches.js';
import { createGuardHoldsRepo } from '../store/guard-holds.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createRecordsRepo } from '../store/records.js';
import { guardApply } from './contracts.js';
import type { WorkerContext } from './context.js';
import { defineJob, type JobRun } from './define.js';
import { sendDeletes } from './deletes.js';
import { dueOfHold, keptInAudit, keptRecords } from './guard-kept.js';
import { lockSchoolOrDefer } from './ingest.js';
import { vendorSystem } from './snapshot-missing.js';

type GuardApplyContext = Pick<WorkerContext, 'db' | 'routes' | 'targets' | 'metrics' | 'now' | 'config'>;

async function apply(ctx: GuardApplyContext, payload: { holdId: number }, job: JobRun) {
  return ctx.db.tx(async (q) => {
    const holds = createGuardHoldsRepo(q);
    const hold = await holds.get(payload.holdId);
    // Its deletions are the snapshot's word for its school: under the school's lock (../store/school-lock.ts),
    // taken before the batch's row as an ingest takes them (one job of a busy school waits, the others go back).
    if (hold?.batchId) await lockSchoolOrDefer(q, hold.batchId);
    const batch = hold?.batchId ? await createBatchesRepo(q).lockForProcessing(hold.batchId) : undefined;
    if (!hold || !batch || hold.status !== 'approved' || hold.appliedAt !== null) {
      await createOutboxRepo(q).markDone(job.outboxId);
      return { deleted: 0, skipped: 'not-due' };
    }
    const held = hold.diff.flatMap((d) => (d.school === batch.schoolCode ? d.keys.deleted : []));
    const { due, repushed } = await dueOfHold(q, ctx, batch, held);
    const arrival = { batchId: batch.id, school: batch.schoolCode };
    const deleted = await createRecordsRepo(q).tombstone(batch.entity, due, { naturalKeys: true, arrival });
    // The others a newer word kept, each with why (walk5 W5-12): "applied N of M", and which, by whom, when.
    const gone = new Set(deleted);
    const left = held.filter((key) => !gone.has(key));
    const kept = await keptRecords(q, batch, left, repushed);
    const pushSets = await sendDeletes(q, ctx, {
      entity: batch.entity,
      keys: deleted,
      sourceSystem: vendorSystem(batch.clientId),
      format: batch.format,
      batchId: batch.id,
    });
    await createBatchesRepo(q).addDeleted(batch.id, deleted.length);
    await holds.markApplied(hold.id, { applied: deleted.length, of: held.length, kept });
    await createOutboxRepo(q).markDone(job.outboxId);
    await appendAudit(
      q,
      [
        {
          actor: 'system:guard',
          action: 'guard.applied',
          subject: `guard-hold:${hold.id}`,
          details: {
            batchId: batch.id,
            entity: batch.entity,
            held: held.length,
            deleted: deleted.length,
            pushSets: pushSets.map(String),
            ...keptInAudit(kept),
          },
        },
      ],
      ctx.now(),
    );
    ctx.metrics.recordsIngested.inc({ entity: batch.entity, outcome: 'deleted' }, deleted.length);
    return { deleted: deleted.length, skipped: null };
  });
}

export const guardApplyJob = defineJob({ ...guardApply, concurrency: 1, process: apply });
