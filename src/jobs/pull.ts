/**
 * Pull: one job per page of a sync run. Each page is ingested as a batch (format = the system; the
 * batch row keeps counts and findings, not the records), the run's cursor advances, and the next
 * page's job is queued — all in one transaction, so a crash resumes from the last stored cursor and a
 * replayed job is a no-op. While a page is ingested, the next one is already being fetched
 * (prefetch, in this process; a job that runs elsewhere fetches it itself). When the
 * feed ends, the run's watermark becomes the starting point of the next incremental run. Runs are
 * requested through `requestSync` in ./contracts.ts.
 */
import { randomUUID } from 'node:crypto';
import { recordAudit, type AuditEvent } from '../audit/chain.js';
import { AppError } from '../errors.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createRecordsRepo } from '../store/records.js';
import { createSyncRunsRepo, type SyncRun } from '../store/sync-runs.js';
import { isConnectionLost, type Queryable } from '../store/db.js';
import { pullPage } from './contracts.js';
import type { WorkerContext } from './context.js';
import { DeferJob, defineJob, type JobRun } from './define.js';
import { inboundMapping } from './inbound.js';
import { ingestPulledPage, workAhead, type PageAhead } from './ingest.js';
import { sendDeletes, tombstonedKeys } from './deletes.js';
import { queueReconcileIfDue } from './reconcile.js';
import { guardRunPage, holdRun, RunHeld, tombstoneEntries } from './run-guard.js';
import type { PulledPage } from './sources.js';

type PullContext = Pick<
  WorkerContext,
  'db' | 'sources' | 'now' | 'gates' | 'routes' | 'targets' | 'metrics' | 'config'
>;

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

/** A page to store: the run as the job read it, the page, and the job's bookkeeping. */
interface PageToStore {
  run: SyncRun;
  pageNo: number;
  page: PulledPage;
  mappingPin: string | null;
  /** The mapping version to keep on the run (its first page's); null: kept already. */
  mappingVersion: string | null;
  audit: AuditEvent[];
  ahead: PageAhead | undefined;
  /** The job's outbox row, closed with the page. */
  outboxId: number | undefined;
}

/** Stores the page as a batch, applies its tombstones, advances the run and queues what comes next. */
async function storePage(
  q: Queryable,
  ctx: PullContext,
  p: PageToStore,
): Promise<{ batchId: string | null; changed: boolean; next?: number }> {
  const { run, page, mappingPin, audit, ahead } = p;
  const last = page.nextCursor === undefined;
  const runs = createSyncRunsRepo(q);
  // Tombstones first (a record that comes back on the same page is restored by its upsert); they
  // travel: every target that holds the records (not the source) is asked to delete them.
  const tombstoned = await tombstonedKeys(q, run, page.deletedKeys);
  const guardEntries = await tombstoneEntries(q, run.entity, tombstoned);
  const deleted = await createRecordsRepo(q).tombstone(run.entity, tombstoned, { naturalKeys: true });
  let batchId: string | null = null;
  let changed = false;
  if (page.items.length > 0) {
    batchId = randomUUID();
    const result = await ingestPulledPage(q, ctx, {
      id: batchId,
      syncRunId: run.id,
      schoolCode: run.scope || '*',
      entity: run.entity,
      format: run.system,
      records: page.items,
      mappingPin,
      run: { id: run.id, since: run.since },
      audit,
      ahead,
    });
    changed = result.unchanged * 2 < page.items.length;
    guardEntries.push(...(result.guardEntries ?? []));
  }
  // The mass-change guard: over a school's thresholds the page is rolled back and the run held.
  await guardRunPage(q, ctx, run, guardEntries);
  await sendDeletes(q, ctx, { entity: run.entity, keys: deleted, sourceSystem: run.system, batchId });
  // The next page's job; when pull jobs chain, leased to this process, which goes on with it at once
  // (see {@link pull}).
  const { lockMs, chainMs } = ctx.config.sync.worker;
  const payload = pullPage.payload.parse({ syncRunId: run.id, page: p.pageNo + 1 });
  const next = await runs.advance(
    run.id,
    {
      last,
      cursor: page.nextCursor ?? null,
      records: page.items.length,
      tombstones: page.deletedKeys.length,
      watermark: page.watermark ?? null,
      mappingVersion: p.mappingVersion,
    },
    {
      done: p.outboxId,
      ...(last
        ? {}
        : {
            next: {
              queue: pullPage.queue,
              name: pullPage.name,
              payload,
              ...(chainMs > 0 ? { leaseSeconds: Math.ceil(lockMs / 1000) } : {}),
            },
          }),
    },
  );
  if (last) {
    const watermark = page.watermark ?? ctx.now().toISOString();
    await runs.saveWatermark(run.system, run.entity, run.scope, watermark);
    // A full run whose pages are all ingested already (e.g. an empty last page) reconciles now.
    await queueReconcileIfDue(q, run.id);
  }
  return { batchId, changed, ...(chainMs > 0 && next !== undefined ? { next } : {}) };
}

/**
 * Pages being fetched ahead, by run and cursor: while a page is ingested the next one is on its way,
 * so the source's time and truc's overlap; once it has arrived it is worked on ahead too (source
 * fingerprints, and its mapping when the run's last page was mostly changed: an unchanged night maps
 * nothing), in slices between the current page's statements. In this process only (a job that runs
 * elsewhere fetches its page itself), at most a few, dropped when taken or after a minute; a failed
 * prefetch is forgotten and the job fetches (and reports) on its own.
 */
interface Ahead {
  at: number;
  page: Promise<PulledPage>;
  work: Promise<PageAhead | undefined>;
}
interface PrefetchState {
  pages: Map<string, Ahead>;
  /** Per run: whether its last ingested page was mostly new or changed records (then pages are mapped ahead). */
  changing: Map<number, boolean>;
}
const prefetchedByDb = new WeakMap<object, PrefetchState>();
const PREFETCH_KEEP_MS = 60_000;
const PREFETCH_MAX = 8;

/** The pages fetched ahead for the runs of this database (run ids are per database). */
function prefetchedOf(ctx: PullContext): PrefetchState {
  let m = prefetchedByDb.get(ctx.db);
  if (!m) {
    m = { pages: new Map(), changing: new Map() };
    prefetchedByDb.set(ctx.db, m);
  }
  return m;
}

function prefetch(ctx: PullContext, run: SyncRun, cursor: string): void {
  const { pages, changing } = prefetchedOf(ctx);
  const now = Date.now();
  for (const [key, p] of pages) if (now - p.at > PREFETCH_KEEP_MS) pages.delete(key);
  if (pages.size >= PREFETCH_MAX) return;
  const page = fetchPage(ctx, { ...run, cursor });
  page.catch(() => undefined);
  const map = changing.get(run.id) === true;
  const work = page.then(
    (p) => workAhead(ctx, inboundMapping(run.system, run.entity), p.items, { map }),
    () => undefined,
  );
  work.catch(() => undefined);
  pages.set(`${run.id}:${cursor}`, { at: now, page, work });
}

async function pageOf(ctx: PullContext, run: SyncRun): Promise<{ page: PulledPage; ahead?: PageAhead }> {
  const { pages } = prefetchedOf(ctx);
  const key = `${run.id}:${run.cursor ?? ''}`;
  const prefetched = run.cursor ? pages.get(key) : undefined;
  if (prefetched) {
    pages.delete(key);
    try {
      const page = await prefetched.page;
      const ahead = await prefetched.work.catch(() => undefined);
      return ahead ? { page, ahead } : { page };
    } catch {
      // fetched again below, so the failure is classified and reported as the job's own
    }
  }
  return { page: await fetchPage(ctx, run) };
}

/** Runs the page's transaction; when the guard holds the run (`RunHeld`: rolled back), holds it. */
async function storeOrHold<T>(
  ctx: PullContext,
  run: SyncRun,
  pageNo: number,
  job: Pick<JobRun, 'outboxId'>,
  work: (q: Queryable) => Promise<T>,
): Promise<T | { holdId: number | undefined }> {
  try {
    return await ctx.db.tx(work);
  } catch (err) {
    if (!(err instanceof RunHeld)) throw err;
    const holdId = await ctx.db.tx((q) => holdRun(q, run, { no: pageNo, outboxId: job.outboxId }, err));
    return { holdId };
  }
}

type PullPayload = { syncRunId: number; page: number };
type PullResult =
  { skipped: true } | { held: true; holdId: number | null } | { records: number; last: boolean };

/** The next page of a chain: its payload, its leased outbox row, and the run as its page left it. */
interface NextPage {
  payload: PullPayload;
  outboxId: number;
  run: SyncRun;
}

const STOPPED: ReadonlySet<string> = new Set(['done', 'failed', 'held']);

/**
 * One page of a run: fetched (or taken from the prefetch), stored; the next page's leased outbox row.
 * `known`: the run as the chain's previous page left it (not read again; checked under its lock).
 */
async function pullOne(
  ctx: PullContext,
  payload: PullPayload,
  job: Pick<JobRun, 'outboxId'>,
  known?: SyncRun,
): Promise<{ result: PullResult; next?: NextPage }> {
  const run = known ?? (await createSyncRunsRepo(ctx.db).get(payload.syncRunId));
  // A held run waits for a city admin (an approval queues its page again).
  if (!run || STOPPED.has(run.status) || run.pages > payload.page) {
    await createOutboxRepo(ctx.db).markDone(job.outboxId);
    return { result: { skipped: true } };
  }
  const { page, ahead } = await pageOf(ctx, run);
  const last = page.nextCursor === undefined;
  if (page.nextCursor !== undefined) prefetch(ctx, run, page.nextCursor);
  const stored = await storeOrHold(ctx, run, payload.page, job, async (q) => {
    // A duplicate of this job (a redelivery) may have stored the page meanwhile: once only.
    const runs = createSyncRunsRepo(q);
    const locked = await runs.lockForPage(run.id);
    if (!locked || locked.pages > payload.page || STOPPED.has(locked.status)) {
      await createOutboxRepo(q).markDone(job.outboxId);
      return undefined;
    }
    const pin = locked.pin;
    const audit: AuditEvent[] = [];
    const { batchId, changed, next } = await storePage(q, ctx, {
      run,
      pageNo: payload.page,
      page,
      mappingPin: pin,
      // Kept from the run's first page on: written once.
      mappingVersion: locked.version ? null : (mappingVersionOf(run, pin) ?? null),
      audit,
      ahead,
      outboxId: job.outboxId,
    });
    // One record per page (the batch's entry and the page's), off the chain's lock: the worker's audit
    // chainer appends them to the chain shortly after (src/audit/chainer.ts), so pages never wait on it.
    await recordAudit(q, [
      ...audit,
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
    return { changed, next };
  });
  const { changing } = prefetchedOf(ctx);
  if (last || (stored && 'holdId' in stored)) changing.delete(run.id);
  else if (stored) changing.set(run.id, stored.changed);
  if (stored && 'holdId' in stored) return { result: { held: true, holdId: stored.holdId ?? null } };
  if (!stored) return { result: { skipped: true } };
  const result = { records: page.items.length, last };
  if (stored.next === undefined) return { result };
  const advanced: SyncRun = {
    ...run,
    status: 'running',
    cursor: page.nextCursor ?? run.cursor,
    pages: payload.page + 1,
    records: run.records + page.items.length,
    tombstones: run.tombstones + page.deletedKeys.length,
    watermark: page.watermark ?? run.watermark,
  };
  const nextPayload = { syncRunId: run.id, page: payload.page + 1 };
  return { result, next: { payload: nextPayload, outboxId: stored.next, run: advanced } };
}

/**
 * A pull job stores its page, then goes on with the run's next pages in this process for a while (issue
 * 7: no hop through the relay and the queue per page; the next page is fetched and worked on while the
 * current one commits). Every page is still its own transaction that writes the next page's outbox row,
 * leased to this process: after a crash the relay queues it once the lease runs out and the run resumes
 * from its stored cursor. When the chain stops (its time is up, or a page failed or had to wait), the
 * next page's row is handed to the relay, and its job runs (and reports) as any other.
 */
async function pull(ctx: PullContext, payload: PullPayload, job: JobRun): Promise<PullResult> {
  const until = Date.now() + ctx.config.sync.worker.chainMs;
  let { result, next } = await pullOne(ctx, payload, job);
  let failure: unknown;
  while (next && Date.now() < until) {
    try {
      ({ result, next } = await pullOne(ctx, next.payload, next, next.run));
    } catch (err) {
      failure = err; // the page's own job runs it again, and reports what went wrong
      break;
    }
  }
  // Not handed over (the database is away): the relay takes it when its lease runs out.
  if (next)
    await createOutboxRepo(ctx.db)
      .handOver(next.outboxId)
      .catch(() => undefined);
  // A lost database connection is this job's too: the worker waits for the database (./worker.ts); run
  // again, the job finds its page stored.
  if (isConnectionLost(failure)) throw failure;
  return result;
}

export const pullPageJob = defineJob({ ...pullPage, concurrency: 2, process: pull });
