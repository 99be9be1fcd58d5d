/**
 * Storing a pulled page (./pull.ts is the job): the page's transaction (the run locked, its tombstones,
 * its records ingested as a batch, the mass-change guard, the run advanced with the next page's row). The transaction
 * run, and a held run's hold: ./pull-page-tx.ts. A page with nothing to judge is stored outside a transaction by
 * ./pull-quiet.ts.
 */
import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/chain.js';
import { CITY_SYSTEM, SCHOOL_SYSTEMS } from '../canonical/systems.js';
import type { AuditEvent } from '../store/audit-log.js';
import { EVERY_SCHOOL } from '../store/batches.js';
import { combinedWrites, type CombinedWrites } from '../store/combined.js';
import { createRecordsRepo } from '../store/records.js';
import { createRunExceptRepo } from '../store/run-except.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { createWeighSeenRepo } from '../store/weigh-seen.js';
import type { Queryable } from '../store/db.js';
import type { WorkerContext } from './context.js';
import { inboundMapping } from './inbound.js';
import type { GuardEntry } from './guard.js';
import {
  checkPageEarly,
  foundNothing,
  ingestPulledPage,
  presumedEmptyRead,
  sendStoredRead,
  type PageAhead,
  type StoredRead,
} from './ingest.js';
import { cityCopiesOf, type EarlyChecks } from './judge.js';
import { sendDeletes, tombstonedKeys, tombstoneTimes } from './deletes.js';
import { noteStoredRead, presumeNothingStored } from './pull-ahead.js';
import { advanceRun } from './pull-advance.js';
import { rulesStamp } from './refusals.js';
import { withoutRejected } from './run-except.js';
import { tombstoneEntries } from './run-counts.js';
import { PageNotDue } from './pull-page-tx.js';
import { guardRunPage, RunHeld } from './run-guard.js';
import type { PulledPage } from './sources.js';

export type PullContext = Pick<
  WorkerContext,
  'db' | 'sources' | 'now' | 'gates' | 'routes' | 'targets' | 'metrics' | 'config' | 'logger'
>;

/**
 * The version of the mapping the run's pages are ingested with (kept on the run, issue 7): the one a
 * pinned replay set, else the current one.
 */
export function mappingVersionOf(run: SyncRun, pin: string | null): string | undefined {
  try {
    return inboundMapping(run.system, run.entity, pin ?? undefined).version;
  } catch {
    return undefined;
  }
}

/** A page to store: the run as the job read it, the page, and the job's bookkeeping. */
export interface PageToStore {
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
  /** The page's closing writes (its audit entries; an unchanged page's batch), sent with the run's advance. */
  closing: CombinedWrites;
  /** Its tombstones, sent: the live records they deleted, with their schools ({@link sendTombstones}). */
  deleting: Promise<Deleted>;
  /** The read of its stored rows, sent already (with the run's lock, {@link storeLocked}). */
  sent?: StoredRead | undefined;
  /** Records none of which is stored are inserted as new ({@link storeOrHold} writes again without it on a duplicate key). */
  insertNew?: boolean;
  /** The store checks of the page as judged ahead, begun with its read ({@link storeLocked}). */
  early?: EarlyChecks | undefined;
  /**
   * Stored outside a transaction ({@link storeQuiet}): the page number the run must still be at; only a
   * page with nothing to judge is stored.
   */
  due?: number;
  /** A held run's page weighed, never applied (./run-weigh.ts): the guard throws `RunHeld` whatever it finds. */
  weighing?: boolean;
}

/** The page's records ingested as a batch (none for a page of tombstones only). */
async function ingestPage(
  q: Queryable,
  ctx: PullContext,
  p: PageToStore,
): Promise<
  | {
      batchId: string | null;
      changed: boolean;
      quiet: boolean;
      guardEntries: GuardEntry[];
      arrived: ReadonlyMap<string, number>;
    }
  | undefined
> {
  const { run, page } = p;
  if (page.items.length === 0)
    return { batchId: null, changed: false, quiet: false, guardEntries: [], arrived: new Map() };
  const batchId = randomUUID();
  const result = await ingestPulledPage(q, ctx, {
    id: batchId,
    syncRunId: run.id,
    schoolCode: run.scope || EVERY_SCHOOL,
    entity: run.entity,
    format: run.system,
    records: page.items,
    recordBytes: page.itemBytes,
    mappingPin: p.mappingPin,
    run: { id: run.id, since: run.since, storedBefore: run.storedBefore, createdAt: run.createdAt },
    audit: p.audit,
    ahead: p.ahead,
    closing: p.closing,
    quietOnly: p.due !== undefined,
    sent: p.sent,
    insertNew: p.insertNew === true,
    early: p.early,
  });
  if (!result) return undefined;
  const changed = result.unchanged * 2 < page.items.length;
  const guardEntries = result.guardEntries ?? [];
  return {
    batchId,
    changed,
    quiet: result.quiet === true,
    guardEntries,
    arrived: result.arrived ?? new Map(),
  };
}

/**
 * What storing a page tells the job: whether it was mostly changed, or had nothing to judge; the next
 * page's row, answered once the run's advance is (see {@link advanceRun}: in a transaction, after it commits).
 */
export interface Stored {
  changed: boolean;
  quiet: boolean;
  next: Promise<number | undefined>;
  /** After the run's last page: its reconciliation's outbox row, leased to this process, which runs it after the commit. */
  reconcile?: number;
}

/**
 * Stores the page as a batch, applies its tombstones, advances the run and queues what comes next.
 * Undefined (only with `due`): the page had something to judge, nothing was written.
 */
export async function storePage(q: Queryable, ctx: PullContext, p: PageToStore): Promise<Stored | undefined> {
  const { run, page } = p;
  const ingested = await ingestPage(q, ctx, p);
  if (!ingested) return undefined;
  const deletedRows = await p.deleting;
  const deleted = deletedRows.map((r) => r.key);
  const entries = [...tombstoneEntries(deletedRows), ...ingested.guardEntries];
  // The mass-change guard: over a school's thresholds the page is rolled back and the run held.
  await guardRunPage(
    q,
    ctx,
    run,
    { entries, arrived: ingested.arrived },
    p.closing,
    p.weighing === true,
  ).catch((err: unknown) => heldSeeing(q, p, { batchId: ingested.batchId, gone: deleted }, err));
  const { batchId, changed, quiet } = ingested;
  // The run's own (walk6 W6-1): a page of tombstones only has no batch, and its delete sets still count in the
  // run's deliveries and errors.
  await sendDeletes(q, ctx, {
    entity: run.entity,
    keys: deleted,
    sourceSystem: run.system,
    batchId,
    syncRunId: run.id,
  });
  // Schools the listing gave up on (BUG 7): kept on the run, in the page's transaction (never a quiet page).
  if (page.unstableScopes?.length) await createSyncRunsRepo(q).markUnstable(run.id, page.unstableScopes);
  // What it left of the schools an approval left out (./run-except.ts), counted with the page.
  if (page.notApplied) await createRunExceptRepo(q).count(run.id, 'records', page.notApplied);
  // One audit record per page (the batch's entry and the page's), off the chain's lock: the worker's audit
  // chainer appends them to the chain shortly after (src/audit/chainer.ts), so pages never wait on it.
  const action = page.nextCursor === undefined ? 'sync.finished' : 'sync.page';
  const details = {
    page: p.pageNo,
    records: page.items.length,
    tombstones: page.deletedKeys.length,
    batchId,
    // The schools an approval left out, as school:count (codes only).
    ...(page.notApplied ? { notApplied: [...page.notApplied].map(([school, n]) => `${school}:${n}`) } : {}),
  };
  await recordAudit(
    p.closing,
    [...p.audit, { actor: 'system:pull', action, subject: `sync:${run.id}`, details }],
    ctx.now(),
  );
  const { next, reconcile } = await advanceRun(q, ctx, p);
  return { changed, quiet, next, ...(reconcile !== undefined ? { reconcile } : {}) };
}

type Deleted = Array<{ key: string; scope: string }>;

/**
 * A full run's page the guard holds (or weighs) keeps what it saw with its `RunHeld` (fix35b): the keys its records
 * held as its reconciliation would read them (its closing writes sent first, in the transaction rolled back), and
 * the live records its tombstones delete, so the run's reconciliation is weighed ahead (./reconcile-ahead.ts).
 * Any other failure, or an incremental run's, or a first sync's (nothing to reconcile), is thrown as it is.
 */
async function heldSeeing(
  q: Queryable,
  p: PageToStore,
  page: { batchId: string | null; gone: readonly string[] },
  err: unknown,
): Promise<never> {
  if (err instanceof RunHeld && p.run.since === null && p.run.storedBefore !== false) {
    await p.closing.flush();
    // A school system's students page: the years it listed as it wrote them (fix36e: rolled back after).
    const years =
      p.run.entity === 'students' &&
      (SCHOOL_SYSTEMS as readonly string[]).includes(p.run.system) &&
      page.batchId !== null
        ? await createSyncRunsRepo(q).listedStudentYears(p.run.id, p.run.system, page.batchId)
        : [];
    err.seen = await createWeighSeenRepo(q).ofPage(p.run.id, page.batchId, page.gone, [...years]);
  }
  throw err;
}

/**
 * Sends the page's tombstones (applied first: a record that comes back on the same page is restored by
 * its upsert): the live records they delete, with their schools (the mass-change guard's entries), in one
 * statement whose answer is waited for later (issue 7: in the page's transaction it goes out with the
 * run's lock and the page's read). Their deletions travel: every target that holds the records (not the
 * source) is asked to delete them ({@link storePage}).
 */
async function sendTombstones(
  q: Queryable,
  run: SyncRun,
  page: PulledPage,
): Promise<{ deleting: Promise<Deleted> }> {
  const tombstoned = await tombstonedKeys(q, run, page.deletedKeys);
  // The city's tombstone of a record whose deletion truc sent it, restored since, is its older state: no change.
  const city = run.system === CITY_SYSTEM ? { city: run.system } : {};
  const sourceAt = tombstoneTimes(run, page, tombstoned);
  const deleting = createRecordsRepo(q).tombstoneScoped(run.entity, tombstoned, {
    naturalKeys: true,
    run: run.id,
    ...city,
    ...(sourceAt ? { sourceAt } : {}),
  });
  deleting.catch(() => undefined); // its failure fails the statements after it
  return { deleting };
}

/** A page the job has: its run (as the job read it), number, records, the work done on it ahead and the job's outbox row. */
export type PageIn = Omit<
  PageToStore,
  'mappingPin' | 'mappingVersion' | 'audit' | 'closing' | 'deleting' | 'sent' | 'insertNew' | 'due' | 'early'
>;

export const STOPPED: ReadonlySet<string> = new Set(['done', 'failed', 'held']);

/**
 * The read of a page's stored rows (./skip-unchanged.ts `sendStoredRead`) as the run makes it: its records with the
 * current mapping, the run's quality rules as of now, the city database's copies; ./pull-quiet.ts sends it early.
 */
export const pageRead = (ctx: PullContext, run: SyncRun, page: PulledPage, ahead: PageAhead | undefined) => ({
  entity: run.entity,
  mapping: inboundMapping(run.system, run.entity),
  records: page.items,
  bytes: page.itemBytes,
  ahead,
  refusals: { system: run.system, rules: rulesStamp(ctx.config, ctx.now()) },
  copies: cityCopiesOf(run.system, run.createdAt),
});

/**
 * The page's transaction: the run locked (a duplicate of this job, a redelivery, may have stored the
 * page meanwhile: once only), the page stored with its audit records. Throws `PageNotDue` (rolled back)
 * when it is stored already, or the run stopped. The run's lock, the page's tombstones and the read of
 * its stored rows go out with BEGIN without waiting for each other's answers (issue 7: one round trip
 * for the four); the read is made with the current mapping, and made again when the run is pinned to another.
 * A first sync's page judged ahead sends its quality facts read right behind them (its store checks begun
 * while PostgreSQL answers: one round trip less; ./judge.ts `checkEarly`).
 */
export async function storeLocked(
  q: Queryable,
  ctx: PullContext,
  p: PageIn,
  insertNew: boolean,
): Promise<Stored | undefined> {
  const { run, pageNo } = p;
  const locking = createSyncRunsRepo(q).lockForPage(run.id);
  locking.catch(() => undefined); // waited for below
  // Without the schools an approval left out, read under their locks to the commit (./run-except.ts, fix34c).
  const { page, ahead } = await withoutRejected(q, ctx, run, p.page, p.ahead);
  const { deleting } = await sendTombstones(q, run, page);
  const toRead = pageRead(ctx, run, page, ahead);
  // A first sync's page after pages whose reads found nothing is not read (issue 7): its records go in as new,
  // and one stored after all (a duplicate key) has the page written again, read (`storeOrHold`).
  const firstSync = run.storedBefore === false;
  const sent =
    firstSync && insertNew && presumeNothingStored(ctx, run.id)
      ? presumedEmptyRead(toRead)
      : sendStoredRead(q, toRead);
  if (firstSync && sent && !insertNew) noteStoredRead(ctx, run.id, false);
  else if (firstSync && sent)
    sent.answer.then(
      (found) => noteStoredRead(ctx, run.id, foundNothing(found)),
      () => undefined,
    );
  // A first sync's page judged ahead (nothing of the run's scope was stored before it: the page is likely
  // judged whole): its store checks begin now, their facts read right behind the page's read (issue 7).
  const early =
    run.storedBefore !== false ? undefined : checkPageEarly(q, ctx, { format: run.system, ahead }, sent);
  const locked = await locking;
  // A weighed page: only while its run is held, at or after its held page.
  const due = p.weighing
    ? locked?.status === 'held' && locked.pages <= pageNo
    : locked && locked.pages <= pageNo;
  if (!locked || !due || (!p.weighing && STOPPED.has(locked.status))) throw new PageNotDue();
  return storePage(q, ctx, {
    ...p,
    page,
    ahead,
    mappingPin: locked.pin,
    // Kept from the run's first page on: written once.
    mappingVersion: locked.version ? null : (mappingVersionOf(run, locked.pin) ?? null),
    audit: [],
    closing: combinedWrites(q),
    deleting,
    sent,
    insertNew,
    early,
  });
}
