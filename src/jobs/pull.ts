/**
 * Pull: one job per page of a sync run. Each page is stored as a batch (format = the system) with an
 * ingest outbox row, the run's cursor advances, and the next page's job is queued — all in one
 * transaction, so a crash resumes from the last stored cursor and a replayed job is a no-op. When the
 * feed ends, the run's watermark becomes the starting point of the next incremental run. Runs are
 * requested through `requestSync` in ./contracts.ts.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/chain.js';
import { AppError } from '../errors.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createRecordsRepo } from '../store/records.js';
import { createSyncRunsRepo, type SyncRun } from '../store/sync-runs.js';
import type { Queryable } from '../store/db.js';
import { enqueue, PULL_CLIENT, pullPage, queueBatch } from './contracts.js';
import type { WorkerContext } from './context.js';
import { DeferJob, defineJob, type JobRun } from './define.js';
import { inboundMapping } from './inbound.js';
import { sendDeletes } from './deletes.js';
import { queueReconcileIfDue } from './reconcile.js';
import type { PulledPage } from './sources.js';

type PullContext = Pick<WorkerContext, 'db' | 'sources' | 'now' | 'gates' | 'routes' | 'targets'>;

/**
 * The version of the mapping the run's pages are ingested with (kept on the run, issue 7): the one a
 * pinned replay set, else the current one.
 */
function mappingVersionOf(run: SyncRun, pin: string | null): string | undefined {
  try {
    return inboundMapping(run.system, run.entity, pin ?? undefined).version;
  } catch {
    return undefined;
  }
}

/** Records per page asked of the source (each adapter caps it at its system's maximum: hcm-csdl and vnEdu 1000). */
const PAGE_SIZE = 1000;

async function fetchPage(ctx: PullContext, run: SyncRun): Promise<PulledPage> {
  const source = ctx.sources[run.system];
  if (!source || !source.entities.includes(run.entity)) {
    throw new AppError('ERR_ENTITY_UNSUPPORTED', `${run.system} is not a configured source of ${run.entity}`);
  }
  // Reads pass the system's gate too: never while it asked to wait or its circuit is open. The pull
  // queue serves every system, so only this job waits, without spending an attempt.
  const pass = await ctx.gates.enter(run.system, { pace: false });
  if (!pass.go)
    throw new DeferJob(
      pass.reason === 'probe' ? Math.min(pass.waitMs, 1000) : pass.waitMs,
      'job',
      pass.reason,
    );
  try {
    const page = await source.page(run.entity, {
      ...(run.cursor ? { cursor: run.cursor } : run.since ? { since: run.since } : {}),
      ...(run.scope ? { schoolCode: run.scope } : {}),
      pageSize: PAGE_SIZE,
    });
    await ctx.gates.succeeded(run.system);
    return page;
  } catch (err) {
    const after = await ctx.gates.failed(run.system, err);
    if (after.pauseMs > 0)
      throw new DeferJob(after.pauseMs, 'job', after.reason ?? 'retry-after', { cause: err });
    throw err;
  }
}

/** Stores the page as a batch, applies its tombstones, advances the run and queues what comes next. */
async function storePage(
  q: Queryable,
  ctx: PullContext,
  run: SyncRun,
  pageNo: number,
  page: PulledPage,
  mappingPin: string | null,
): Promise<string | null> {
  const last = page.nextCursor === undefined;
  const runs = createSyncRunsRepo(q);
  let batchId: string | null = null;
  if (page.items.length > 0) {
    batchId = randomUUID();
    await queueBatch(q, {
      id: batchId,
      clientId: PULL_CLIENT,
      schoolCode: run.scope || '*',
      entity: run.entity,
      format: run.system,
      records: page.items,
      syncRunId: run.id,
      mappingPin,
    });
  }
  // Tombstones travel: every target that holds the records (not the source) is asked to delete them.
  const deleted = await createRecordsRepo(q).tombstone(run.entity, page.deletedKeys);
  await sendDeletes(q, ctx, { entity: run.entity, keys: deleted, sourceSystem: run.system, batchId });
  await runs.recordPage(run.id, {
    last,
    cursor: page.nextCursor ?? null,
    records: page.items.length,
    tombstones: page.deletedKeys.length,
    watermark: page.watermark ?? null,
  });
  if (last) {
    const watermark = page.watermark ?? ctx.now().toISOString();
    await runs.saveWatermark(run.system, run.entity, run.scope, watermark);
    // A full run whose pages are all ingested already (e.g. an empty last page) reconciles now.
    await queueReconcileIfDue(q, run.id);
  } else {
    await enqueue(q, pullPage, { syncRunId: run.id, page: pageNo + 1 });
  }
  return batchId;
}

async function pull(ctx: PullContext, payload: { syncRunId: number; page: number }, job: JobRun) {
  const run = await createSyncRunsRepo(ctx.db).get(payload.syncRunId);
  if (!run || run.status === 'done' || run.status === 'failed' || run.pages > payload.page) {
    await createOutboxRepo(ctx.db).markDone(job.outboxId);
    return { skipped: true };
  }
  const page = await fetchPage(ctx, run);
  const last = page.nextCursor === undefined;
  await ctx.db.tx(async (q) => {
    const { pin } = await createSyncRunsRepo(q).mappingOf(run.id);
    const batchId = await storePage(q, ctx, run, payload.page, page, pin);
    const version = mappingVersionOf(run, pin);
    if (version) await createSyncRunsRepo(q).setMappingVersion(run.id, version);
    await createOutboxRepo(q).markDone(job.outboxId);
    await appendAudit(q, [
      {
        actor: 'system:pull',
        action: last ? 'sync.finished' : 'sync.page',
        subject: `sync:${run.id}`,
        details: {
          page: payload.page,
          records: page.items.length,
          tombstones: page.deletedKeys.length,
          batchId,
        },
      },
    ]);
  });
  return { records: page.items.length, last };
}

export const pullPageJob = defineJob({ ...pullPage, concurrency: 2, process: pull });
