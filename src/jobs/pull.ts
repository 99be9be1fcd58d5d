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
import { TABLES, type RecordEntity } from '../store/records.js';
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

interface RunRow {
  id: number;
  system: SystemName;
  entity: RecordEntity;
  scope: string;
  status: string;
  since: string | null;
  cursor: string | null;
  pages: number;
}

/** Creates a sync run and queues its first page (in the caller's transaction). */
export async function requestSync(
  q: Queryable,
  input: { system: SystemName; entity: RecordEntity; scope?: string; full?: boolean; requestedBy: string },
): Promise<number> {
  const scope = input.scope ?? '';
  let since: string | null = null;
  if (!input.full) {
    const wm = await q.query<{ watermark: string }>(
      'SELECT watermark FROM truc.sync_watermarks WHERE system = $1 AND entity = $2 AND scope = $3',
      [input.system, input.entity, scope],
    );
    since = wm.rows[0]?.watermark ?? null;
  }
  const res = await q.query<{ id: number }>(
    `INSERT INTO truc.sync_runs (system, entity, scope, status, since, requested_by)
     VALUES ($1, $2, $3, 'queued', $4, $5) RETURNING id`,
    [input.system, input.entity, scope, since, input.requestedBy],
  );
  const id = res.rows[0]!.id;
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

async function applyTombstones(q: Queryable, entity: RecordEntity, keys: readonly string[]): Promise<void> {
  if (keys.length === 0 || entity === 'classes') return; // class keys are composite: not from a tombstone id
  const t = TABLES[entity];
  await q.query(
    `UPDATE ${t.table} SET deleted_at = now() WHERE ${t.key} = ANY($1::text[]) AND deleted_at IS NULL`,
    [[...keys]],
  );
}

export async function processPullPage(
  deps: PullDeps,
  job: { outboxId: number; syncRunId: number; page: number },
) {
  const runRes = await deps.db.query<RunRow>('SELECT * FROM truc.sync_runs WHERE id = $1', [job.syncRunId]);
  const run = runRes.rows[0];
  if (!run || run.status === 'done' || run.status === 'failed' || run.pages > job.page) {
    await createOutboxRepo(deps.db).markDone(job.outboxId);
    return { skipped: true };
  }
  const source = deps.sources[run.system];
  if (!source || !source.entities.includes(run.entity)) {
    throw new AppError('ERR_ENTITY_UNSUPPORTED', `${run.system} is not a configured source of ${run.entity}`);
  }
  const page = await source.page(run.entity, {
    ...(run.cursor ? { cursor: run.cursor } : run.since ? { since: run.since } : {}),
    ...(run.scope ? { schoolCode: run.scope } : {}),
    pageSize: deps.pageSize ?? 500,
  });
  const last = page.nextCursor === undefined;
  await deps.db.tx(async (q) => {
    const outbox = createOutboxRepo(q);
    let batchId: string | null = null;
    if (page.items.length > 0) {
      batchId = randomUUID();
      await createBatchesRepo(q).insert({
        id: batchId,
        clientId: PULL_CLIENT,
        schoolCode: run.scope || '*',
        entity: run.entity,
        format: run.system,
        records: page.items,
      });
      await q.query('UPDATE truc.batches SET sync_run_id = $2 WHERE id = $1', [batchId, run.id]);
      await outbox.add(QUEUES.ingest, INGEST_JOB, { batchId });
    }
    await applyTombstones(q, run.entity, page.deletedKeys);
    await q.query(
      `UPDATE truc.sync_runs SET status = $2, cursor = $3, pages = pages + 1, records = records + $4,
              tombstones = tombstones + $5, watermark = COALESCE($6, watermark),
              finished_at = CASE WHEN $2 = 'done' THEN now() ELSE NULL END
        WHERE id = $1`,
      [
        run.id,
        last ? 'done' : 'running',
        page.nextCursor ?? run.cursor,
        page.items.length,
        page.deletedKeys.length,
        page.watermark ?? null,
      ],
    );
    if (last) {
      const wm = page.watermark ?? new Date().toISOString();
      await q.query(
        `INSERT INTO truc.sync_watermarks (system, entity, scope, watermark) VALUES ($1, $2, $3, $4)
         ON CONFLICT (system, entity, scope) DO UPDATE SET watermark = EXCLUDED.watermark, updated_at = now()`,
        [run.system, run.entity, run.scope, wm],
      );
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
