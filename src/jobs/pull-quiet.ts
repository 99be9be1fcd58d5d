/**
 * A pulled page with nothing to judge, stored outside a transaction (issue 7): which pages may be, the
 * read of their stored rows sent early, and the two statements that store one (./pull-store.ts stores
 * every other page in its transaction).
 */
import type { SyncRun } from '../store/sync-run-reads.js';
import { isPageNotDue } from '../store/sync-runs.js';
import { combinedWrites } from '../store/combined.js';
import { sendStoredRead, type PageAhead, type StoredRead } from './ingest.js';
import { lastQuiet } from './pull-ahead.js';
import {
  mappingVersionOf,
  pageRead,
  storePage,
  type PageIn,
  type PullContext,
  type Stored,
} from './pull-store.js';
import type { PulledPage } from './sources.js';

/**
 * A page {@link storeQuiet} may store: records, no tombstones, no school given up on, not the last, of a run no
 * approval left a school out of (those are taken off the page in its transaction, under locks: ./run-except.ts).
 */
const quietCandidate = (run: Pick<SyncRun, 'rejectedSchools'>, page: PulledPage): boolean =>
  page.items.length > 0 &&
  page.deletedKeys.length === 0 &&
  page.unstableScopes === undefined &&
  run.rejectedSchools.length === 0 &&
  page.nextCursor !== undefined;

/** What {@link storeQuiet} is given besides its page. */
export interface QuietOptions {
  /** The page's read of its stored rows, sent early ({@link quietRead}); used when made with its mapping and rules. */
  sent?: StoredRead | undefined;
  /** Called once the page is tried outside a transaction, right after its own read is sent. */
  alongside?: () => void;
}

/**
 * The read of a page's stored rows as {@link storeQuiet} makes it, for a page of the run to be sent early
 * (./pull-ahead.ts `readEarly`): none for a page it would not store.
 */
export function quietRead(ctx: PullContext, run: SyncRun) {
  return (page: PulledPage, ahead: PageAhead | undefined): StoredRead | undefined =>
    quietCandidate(run, page) ? sendStoredRead(ctx.db, pageRead(ctx, run, page, ahead)) : undefined;
}

/**
 * A page likely to have nothing to judge (the run's last stored page had nothing either), stored in
 * two statements outside a transaction (issue 7: an unchanged page's BEGIN, run lock and COMMIT were
 * three of its five round trips): the read of its stored rows and standing refusals (a hint: nothing
 * is locked), then, when every record is unchanged or still refused, its closing writes and the run's
 * advance in one statement, which is atomic by itself and writes only while the page is still the run's
 * next one (running, not pinned to another mapping); else it writes nothing and fails. Undefined: not
 * stored (something to judge, not the run's next page any more, or not a candidate: the last page, a
 * page with tombstones); the transaction of {@link storeLocked} stores it as before.
 */
export async function storeQuiet(
  ctx: PullContext,
  p: PageIn,
  opts: QuietOptions = {},
): Promise<Stored | undefined> {
  const { run, page } = p;
  if (!quietCandidate(run, page) || !lastQuiet(ctx, run.id)) return undefined;
  try {
    const storing = storePage(ctx.db, ctx, {
      ...p,
      mappingPin: null,
      mappingVersion: mappingVersionOf(run, null) ?? null,
      audit: [],
      closing: combinedWrites(ctx.db),
      // None: a page with tombstones is not a candidate.
      deleting: Promise.resolve([]),
      due: p.pageNo,
      sent: opts.sent,
    });
    // Behind this page's read (sent by now, unless it was early).
    opts.alongside?.();
    const stored = await storing;
    // Its advance is the statement that fails when the page is not due any more.
    if (stored) await stored.next;
    return stored;
  } catch (err) {
    if (isPageNotDue(err)) return undefined;
    throw err;
  }
}
