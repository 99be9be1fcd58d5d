/**
 * Pull: one job per page of a sync run. Each page is stored as a batch (format = the system) with an
 * ingest outbox row, the run's cursor advances, and the next page's job is queued — all in one
 * transaction, so a crash resumes from the last stored cursor and a replayed job is a no-op. When the
 * feed ends, the run's watermark becomes the starting point of the next incremental run.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { appendAudit } from '../audit/chain.js';
import type { SystemName } from '../config.js';
import { AppError } from '../errors.js';
import { createBatchesRepo } from '../store/batches.js';
import type { Db, Queryable } from '../store/db.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createRecordsRepo, type RecordEntity } from '../store/records.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { INGEST_JOB, PULL_CLIENT } from './ingest.js';
import { QUEUES } from './queues.js';
import type { PullSource } from './sources.js';

export const PULL_JOB = 'pull-page';
export const PULL_QUEUE = 'pull';

export interface PullDeps {
  db: Db;
  logger: Logger;
  sources: Partial<Record<SystemName, PullSource>>;
  pageSize?: number;
}

/** Creates a sync run and queues its first page (in the caller's transaction). */
export async function requestSync(
  q: Queryable,
  input: { system: SystemName; entity: RecordEntity; scope?: string; full?: boolean; requestedBy: string },
): Promise<number> {
  const scope = input.scope ?? '';
  const runs = createSyncRunsRepo(q);
  const since = input.full ? null : ((await runs.watermark(input.system, input.entity, scope)) ?? null);
  const id = await runs.create({
    system: input.system,
    entity: input.entity,
    scope,
    since,
    requestedBy: input.requestedBy,
  });
  await createOutboxRepo(q).add(PULL_QUEUE, PULL_JOB, { syncRunId: id, page: 0 });
  await appendAudit(q, [
    {
      actor: input.requestedBy,
      action: 'sync.requested',
      subject: `sync:${id}`,
      details: { system: input.system, entity: input.entity, scope, incremental: since !== null },
    },
  ]);
  return id;
}

export async function processPullPage(
  deps: PullDeps,
  job: { outboxId: number; syncRunId: number; page: number },
) {
  const run = await createSyncRunsRepo(deps.db).get(job.syncRunId);
  if (!run || run.status === 'done' || run.status === 'failed' || run.pages > job.page) {
    await createOutboxRepo(deps.db).markDone(job.outboxId);
    return { skipped: true };
  }
  const system = run.system as SystemName;
  const entity = run.entity as RecordEntity;
  const source = deps.sources[system];
  if (!source || !source.entities.includes(entity)) {
    throw new AppError('ERR_ENTITY_UNSUPPORTED', `${run.system} is not a configured source of ${run.entity}`);
  }
  const page = await source.page(entity, {
    ...(run.cursor ? { cursor: run.cursor } : run.since ? { since: run.since } : {}),
    ...(run.scope ? { schoolCode: run.scope } : {}),
    pageSize: deps.pageSize ?? 500,
  });
  const last = page.nextCursor === undefined;
  await deps.db.tx(async (q) => {
    const outbox = createOutboxRepo(q);
    const runs = createSyncRunsRepo(q);
    let batchId: string | null = null;
    if (page.items.length > 0) {
      batchId = randomUUID();
      await createBatchesRepo(q).insert({
        id: batchId,
        clientId: PULL_CLIENT,
        schoolCode: run.scope || '*',
        entity,
        format: run.system,
        records: page.items,
        syncRunId: run.id,
      });
      await outbox.add(QUEUES.ingest, INGEST_JOB, { batchId });
    }
    await createRecordsRepo(q).tombstone(entity, page.deletedKeys);
    await runs.recordPage(run.id, {
      last,
      cursor: page.nextCursor ?? null,
      records: page.items.length,
      tombstones: page.deletedKeys.length,
      watermark: page.watermark ?? null,
    });
    if (last) {
      await runs.saveWatermark(run.system, run.entity, run.scope, page.watermark ?? new Date().toISOString());
    } else {
      await outbox.add(PULL_QUEUE, PULL_JOB, { syncRunId: run.id, page: job.page + 1 });
    }
    await outbox.markDone(job.outboxId);
    await appendAudit(q, [
      {
        actor: 'system:pull',
        action: last ? 'sync.finished' : 'sync.page',
        subject: `sync:${run.id}`,
        details: { page: job.page, records: page.items.length, tombstones: page.deletedKeys.length, batchId },
      },
    ]);
  });
  return { records: page.items.length, last };
}
