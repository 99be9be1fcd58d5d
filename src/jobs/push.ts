/**
 * Push: deliver one push set (the records one batch changed) to one target system. The job carries
 * the set's id only; records are read from the store at delivery time. The target gets a stable
 * idempotency key per set, so a retry after a lost answer has one effect.
 */
import type { Logger } from 'pino';
import { appendAudit } from '../audit/chain.js';
import type { Db } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createPushSetsRepo } from '../store/push-sets.js';
import { createRecordsRepo, type RecordEntity } from '../store/records.js';
import type { SystemName } from '../config.js';

export interface PushReceipt {
  accepted: number;
  rejected: Array<{ index: number; code: string; message: string }>;
  receiptId?: string | undefined;
}

/** A target as the push job sees it: canonical records in, receipt out (mapping included). */
export interface PushTarget {
  readonly system: SystemName;
  readonly entities: readonly RecordEntity[];
  write(
    entity: RecordEntity,
    records: readonly unknown[],
    opts: { idempotencyKey: string },
  ): Promise<PushReceipt>;
}

export interface PushDeps {
  db: Db;
  logger: Logger;
  targets: Partial<Record<SystemName, PushTarget>>;
}

export async function processPush(
  deps: PushDeps,
  job: { outboxId: number; pushSetId: number },
): Promise<PushReceipt | undefined> {
  const set = await createPushSetsRepo(deps.db).get(job.pushSetId);
  if (!set || set.deliveredAt) {
    await createOutboxRepo(deps.db).markDone(job.outboxId);
    return undefined;
  }
  const system = set.system as SystemName;
  const entity = set.entity as RecordEntity;
  const target = deps.targets[system];
  if (!target) throw new Error(`no target adapter configured for ${set.system}`);
  const records = await createRecordsRepo(deps.db).load(entity, set.keys);
  const receipt = await target.write(
    entity,
    records.map((r) => r.data),
    { idempotencyKey: `truc-push-${job.pushSetId}` },
  );
  const summary = {
    accepted: receipt.accepted,
    rejected: receipt.rejected.length,
    receiptId: receipt.receiptId ?? null,
  };
  await deps.db.tx(async (q) => {
    await createPushSetsRepo(q).markDelivered(job.pushSetId, summary);
    await createOutboxRepo(q).markDone(job.outboxId);
    await appendAudit(q, [
      {
        actor: 'system:push',
        action: 'push.delivered',
        subject: `push-set:${job.pushSetId}`,
        details: { system: set.system, entity: set.entity, sent: records.length, ...summary },
      },
    ]);
  });
  deps.logger.info(
    {
      system: set.system,
      entity: set.entity,
      sent: records.length,
      accepted: summary.accepted,
      rejected: summary.rejected,
    },
    'push delivered',
  );
  return receipt;
}
