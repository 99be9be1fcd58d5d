/**
 * The source side of a pull (./pull.ts): a run's pages read from its system, and read ahead. While a
 * page is stored, the next ones are already on their way (issue 7, pipelining): each page fetched asks
 * for the one after it as soon as its body shows the next cursor (before it is parsed and checked; else
 * once it has arrived), up to {@link READ_AHEAD} pages ahead of the page being stored, so the source is
 * read back to back while truc writes, and a page's time is the slower of the two instead of their sum. A page that has arrived is worked on ahead too (source fingerprints, and its
 * mapping and in-memory judgement when the run's last stored page was mostly changed: an unchanged night
 * maps nothing), in slices
 * between the current page's statements. In this process only (a job that runs elsewhere fetches its page
 * itself), at most a few pages, dropped when taken or after a minute; a failed read ahead is forgotten
 * (and reads no further) and the job fetches (and reports) on its own.
 */
import { AppError } from '../errors.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import type { WorkerContext } from './context.js';
import { DeferJob } from './define.js';
import { readEndpoint } from '../store/delivery-gates.js';
import { inboundMapping } from './inbound.js';
import { workAhead, type PageAhead, type StoredRead } from './ingest.js';
import type { PulledPage } from './sources.js';

export type AheadContext = Pick<WorkerContext, 'db' | 'sources' | 'gates' | 'now' | 'config'>;

/** Records per page asked of the source (each adapter caps it at its system's maximum: hcm-csdl and vnEdu 1000). */
const PAGE_SIZE = 1000;

/** Pages of a run read ahead of the page being stored. */
export const READ_AHEAD = 3;

/**
 * The run's page at its cursor, from its system. `onNextCursor`: told the next page's cursor as soon as
 * the body shows it, before the page is parsed and checked (where the source can).
 */
export async function fetchPage(
  ctx: AheadContext,
  run: SyncRun,
  onNextCursor?: (cursor: string) => void,
): Promise<PulledPage> {
  const source = ctx.sources[run.system];
  if (!source || !source.entities.includes(run.entity)) {
    throw new AppError('ERR_ENTITY_UNSUPPORTED', `${run.system} is not a configured source of ${run.entity}`);
  }
  // Reads pass the system's gate too: never while it asked to wait or its circuit is open. The pull
  // queue serves every system, so only this job waits, without spending an attempt. A probe is out: the job
  // waits for its outcome, up to its lease (review32 F1: it waited a second at most, and a probe of a source
  // that does not answer takes the call's whole timeout, the job started again every second of it); the
  // circuit's close, in any process, wakes it at once (./probe-wake.ts).
  // Its endpoint (`students:read`): a 429 on it holds that entity's reads alone where the system limits each route apart
  // (issue 7 item 4, ./endpoint-retry-after.ts); the job waits alone either way.
  const endpoint = readEndpoint(run.entity);
  const pass = await ctx.gates.enter(run.system, { pace: false, endpoint });
  if (!pass.go) throw new DeferJob(pass.waitMs, 'job', pass.reason, { system: run.system });
  const readAt = pass.readAt ?? Date.now();
  ctx.gates.passed(run.system, { slotAt: pass.startAt, readAt, paced: false, endpoint });
  let page: PulledPage;
  try {
    page = await source.page(run.entity, {
      ...(run.cursor ? { cursor: run.cursor } : run.since ? { since: run.since } : {}),
      ...(run.scope ? { schoolCode: run.scope } : {}),
      pageSize: PAGE_SIZE,
      ...(onNextCursor ? { onNextCursor } : {}),
    });
    // A next cursor the run followed already (the one just asked at, or any before: a loop) fails the run when
    // the page's advance keeps it (./pull.ts `loopChecked`, in whichever process stores the page).
    await ctx.gates.succeeded(run.system, pass);
  } catch (err) {
    // A failure that paused the gate, or that landed while another call is out as the probe (fix33a: the job
    // waits for the probe's outcome as one that meets it at the gate does, woken by the close), hands it back.
    const after = await ctx.gates.failed(run.system, err, pass);
    if (after.pauseMs > 0)
      throw new DeferJob(after.pauseMs, 'job', after.reason ?? 'retry-after', {
        cause: err,
        system: run.system,
      });
    throw err;
  }
  // The schools an approval left out of the run (fix33b) are taken off in the page's transaction (./run-except.ts).
  return page;
}

interface Ahead {
  at: number;
  page: Promise<PulledPage>;
  /**
   * How many pages, itself included, are to be read from it on: the deepest any caller asked for. Raised when
   * the page is asked for again from nearer the page being stored (issue 7: a depth fixed when the page was
   * first asked for left one page in flight at a time), and its next page is then asked for at once if its
   * cursor is known.
   */
  depth: number;
  /** Its next page's cursor, once known: hinted by its body's head, then as parsed. */
  next?: string | undefined;
  /** Read on a cursor hint its predecessor's parsed page contradicted: not taken, and reads no further. */
  dropped?: boolean;
  /** Started once the page is the next one to store (its predecessor's outcome says whether to map it). */
  work?: Promise<PageAhead | undefined>;
  /** The read of its stored rows, sent early ({@link readEarly}): made for this very page and its work. */
  early?: Promise<StoredRead | undefined>;
}
interface AheadState {
  /** By run and cursor. */
  pages: Map<string, Ahead>;
  /** Per run: whether its last stored page was mostly new or changed records (then pages are mapped ahead). */
  changing: Map<number, boolean>;
  /** Per run: whether its last stored page had nothing to judge (then the next one likely has nothing either). */
  quiet: Map<number, boolean>;
  /**
   * Per first-sync run: true while every read of its pages' stored rows made in this process found nothing
   * (no stored row, no refusal); false for good once one found something ({@link presumeNothingStored}).
   */
  nothingStored: Map<number, boolean>;
}
const aheadByDb = new WeakMap<object, AheadState>();
const KEEP_MS = 60_000;
/** Pages held ahead in this process, all runs together. */
const MAX_PAGES = 8;

/** The pages read ahead for the runs of this database (run ids are per database). */
function aheadOf(ctx: AheadContext): AheadState {
  let m = aheadByDb.get(ctx.db);
  if (!m) {
    m = { pages: new Map(), changing: new Map(), quiet: new Map(), nothingStored: new Map() };
    aheadByDb.set(ctx.db, m);
  }
  return m;
}

/**
 * Reads the run's page at `cursor` ahead (unless it is on its way already) and the `depth - 1` pages
 * after it, each as soon as the one before it shows its cursor. The page at `cursor` is the next one to
 * store when `depth` is {@link READ_AHEAD}: it is worked on once it has arrived. A page on its way already
 * that is asked for deeper reads deeper from then on, so the source is always `depth` pages ahead.
 */
export function readAhead(ctx: AheadContext, run: SyncRun, cursor: string, depth = READ_AHEAD): void {
  const { pages } = aheadOf(ctx);
  const key = `${run.id}:${cursor}`;
  let ahead = pages.get(key);
  if (!ahead) {
    const now = Date.now();
    for (const [k, p] of pages) if (now - p.at > KEEP_MS) pages.delete(k);
    if (pages.size >= MAX_PAGES) return;
    const entry = { at: now, depth } as Ahead;
    entry.page = fetchFollowed(ctx, { ...run, cursor }, entry);
    entry.page.catch(() => undefined);
    ahead = entry;
    pages.set(key, ahead);
  } else if (depth > ahead.depth) {
    ahead.depth = depth;
    // Its next page's cursor is known already (hinted, or parsed): read on from it now.
    if (ahead.next !== undefined) readAhead(ctx, run, ahead.next, depth - 1);
  }
  if (depth === READ_AHEAD && !ahead.work) ahead.work = workOn(ctx, run, ahead.page);
}

/**
 * Fetches the run's page at its cursor; as soon as its body shows its next page's cursor (before this page is
 * parsed and checked: issue 7, the source works on the next page meanwhile), or else once it has arrived, the
 * next page is read ahead while the `from` is deeper than 1 (its depth as it is then) and not dropped. A hint
 * the parsed page contradicts (or a page that fails) is dropped with what was read ahead on it.
 */
function fetchFollowed(ctx: AheadContext, run: SyncRun, from: Pick<Ahead, 'depth' | 'next' | 'dropped'>) {
  const follow = (next: string) => {
    from.next = next;
    if (!from.dropped && from.depth > 1) readAhead(ctx, run, next, from.depth - 1);
  };
  let hinted: string | undefined;
  const page = fetchPage(ctx, run, (next) => {
    hinted = next;
    follow(next);
  });
  page.then(
    (p) => {
      if (hinted !== undefined && hinted !== p.nextCursor) dropAhead(ctx, run.id, hinted);
      // Without a hint (a source that gives none), or on the parsed cursor where the hint was wrong; else
      // nothing new (unless the page read on the hint could not be held then).
      if (p.nextCursor !== undefined) follow(p.nextCursor);
      else from.next = undefined;
    },
    () => {
      if (hinted !== undefined) dropAhead(ctx, run.id, hinted);
      from.next = undefined;
    },
  );
  return page;
}

/** Forgets the run's page read ahead at `cursor` (it reads no further). */
function dropAhead(ctx: AheadContext, runId: number, cursor: string): void {
  const { pages } = aheadOf(ctx);
  const key = `${runId}:${cursor}`;
  const ahead = pages.get(key);
  if (!ahead) return;
  ahead.dropped = true;
  pages.delete(key);
}

/** A page read ahead, worked on once it has arrived: mapped too when the run's last stored page mostly changed. */
function workOn(ctx: AheadContext, run: SyncRun, page: Promise<PulledPage>): Promise<PageAhead | undefined> {
  const map = aheadOf(ctx).changing.get(run.id) === true;
  const work = page.then(
    (p) =>
      workAhead(ctx, inboundMapping(run.system, run.entity), p.items, {
        map,
        page: { format: run.system, entity: run.entity },
        bytes: p.itemBytes,
      }),
    () => undefined,
  );
  work.catch(() => undefined);
  return work;
}

/**
 * Sends the read of the stored rows of the run's page at `cursor` (`send`) as soon as the page has
 * arrived and been worked on, if it is read ahead as the next page to store (issue 7: an unchanged
 * page's read goes out while the page before it is still being stored; ./pull.ts says when it may be
 * used). Once per page; kept with the page, so the read is always of the records {@link pageOf} hands out.
 */
export function readEarly(
  ctx: AheadContext,
  run: SyncRun,
  cursor: string,
  send: (page: PulledPage, ahead: PageAhead | undefined) => StoredRead | undefined,
): void {
  const ahead = aheadOf(ctx).pages.get(`${run.id}:${cursor}`);
  if (!ahead?.work || ahead.early) return;
  const work = ahead.work;
  ahead.early = ahead.page.then((page) => work.then((done) => send(page, done)));
  ahead.early.catch(() => undefined);
}

/**
 * The run's page at its cursor: read ahead (and worked on, its stored rows maybe read early) if it was,
 * else fetched now.
 */
export async function pageOf(
  ctx: AheadContext,
  run: SyncRun,
): Promise<{ page: PulledPage; ahead?: PageAhead; early?: StoredRead }> {
  const { pages } = aheadOf(ctx);
  const key = `${run.id}:${run.cursor ?? ''}`;
  const prefetched = run.cursor ? pages.get(key) : undefined;
  if (prefetched) {
    pages.delete(key);
    try {
      const page = await prefetched.page;
      const ahead = await prefetched.work?.catch(() => undefined);
      const early = await prefetched.early?.catch(() => undefined);
      return { page, ...(ahead ? { ahead } : {}), ...(early ? { early } : {}) };
    } catch {
      // fetched again below, so the failure is classified and reported as the job's own
    }
  }
  // The page being stored: the one after it is the next to store.
  return { page: await fetchFollowed(ctx, run, { depth: READ_AHEAD + 1 }) };
}

/**
 * After a page of the run: whether it was mostly changed (its next pages are mapped ahead) and whether
 * it had nothing to judge, or undefined when the run stopped (finished or held): its pages read ahead
 * are dropped.
 */
export function noteStored(
  ctx: AheadContext,
  runId: number,
  changed: boolean | undefined,
  quietPage = false,
): void {
  const { pages, changing, quiet, nothingStored } = aheadOf(ctx);
  if (changed !== undefined) {
    changing.set(runId, changed);
    quiet.set(runId, quietPage);
    return;
  }
  changing.delete(runId);
  quiet.delete(runId);
  nothingStored.delete(runId);
  for (const [k, ahead] of pages)
    if (k.startsWith(`${runId}:`)) {
      ahead.dropped = true;
      pages.delete(k);
    }
}

/** Whether the run's last page stored in this process had nothing to judge (true when none was). */
export function lastQuiet(ctx: AheadContext, runId: number): boolean {
  return aheadOf(ctx).quiet.get(runId) !== false;
}

/**
 * Whether a first-sync page of the run may be stored without reading its stored rows (issue 7: on a first
 * sync that read finds nothing on every page, and cost PostgreSQL ~4 ms a page, on the page's critical path):
 * only after a read of one of the run's pages in this process found nothing, and never again once one found
 * something. A page so stored inserts its records as new: a record stored after all (another writer's) fails
 * the insert with a duplicate key, and the page is written again with its read (./pull-page-tx.ts `storeOrHold`).
 */
export function presumeNothingStored(ctx: AheadContext, runId: number): boolean {
  return aheadOf(ctx).nothingStored.get(runId) === true;
}

/** Notes what a read of a first-sync page's stored rows found (see {@link presumeNothingStored}). */
export function noteStoredRead(ctx: AheadContext, runId: number, foundNothing: boolean): void {
  const { nothingStored } = aheadOf(ctx);
  if (nothingStored.get(runId) !== false) nothingStored.set(runId, foundNothing);
}
