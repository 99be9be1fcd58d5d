/**
 * Push: deliver one push set (the records one batch changed) to one target system. The job carries
 * the set's id only; records are read from the store at delivery time. The target gets a stable
 * idempotency key per set, so a retry after a lost answer has one effect.
 */
import type { Logger } from 'pino';
import { appendAudit } from '../audit/chain.js';
import type { Db } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
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
  const set = await deps.db.query<{
    system: SystemName;
    entity: RecordEntity;
    keys: string[];
    delivered_at: Date | null;
  }>('SELECT system, entity, keys, delivered_at FROM truc.push_sets WHERE id = $1', [job.pushSetId]);
  const row = set.rows[0];
  if (!row || row.delivered_at) {
    await createOutboxRepo(deps.db).markDone(job.outboxId);
    return undefined;
  }
  const target = deps.targets[row.system];
  if (!target) throw new Error(`no target adapter configured for ${row.system}`);
  const records = await createRecordsRepo(deps.db).load(row.entity, row.keys);
  const receipt = await target.write(
    row.entity,
    records.map((r) => r.data),
    { idempotencyKey: `truc-push-${job.pushSetId}` },
  );
  await deps.db.tx(async (q) => {
    await q.query(
      'UPDATE truc.push_sets SET delivered_at = now(), receipt = $2 WHERE id = $1 AND delivered_at IS NULL',
      [
        job.pushSetId,
        JSON.stringify({
          accepted: receipt.accepted,
          rejected: receipt.rejected.length,
          receiptId: receipt.receiptId ?? null,
        }),
      ],
    );
    await createOutboxRepo(q).markDone(job.outboxId);
    await appendAudit(q, [
      {
        actor: 'system:push',
        action: 'push.delivered',
        subject: `push-set:${job.pushSetId}`,
        details: {
          system: row.system,
          entity: row.entity,
          sent: records.length,
          accepted: receipt.accepted,
          rejected: receipt.rejected.length,
          receiptId: receipt.receiptId ?? null,
        },
      },
    ]);
  });
  deps.logger.info(
    {
      system: row.system,
      entity: row.entity,
      sent: records.length,
      accepted: receipt.accepted,
      rejected: receipt.rejected.length,
    },
    'push delivered',
  );
  return receipt;
}
