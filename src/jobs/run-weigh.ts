/**
 * A held run's next pages weighed (review32 F3): when the guard holds a page of a sync run (./run-guard.ts
 * `holdRun`), the job that held it reads the run's next pages from the source, one after the other to the run's
 * end, and weighs each as the run would (its transaction, ./pull-store.ts `storeLocked` with `weighing`: the page
 * ingested, the guard run on it with the run's counts and those of the pages weighed before it, then rolled back:
 * nothing of it is written, nor the run's cursor advanced). Every school (school year) they would take over a
 * threshold is added to the run's hold (its reasons, and those schools' counts and codes in its diff: no personal
 * data), so the admin sees, and decides at once, every school the run would hold: an approval covers each of them
 * (./run-guard.ts `coveredBy`: approved, the run goes on from its held page, and a later page holding a school the
 * hold showed passes with up to the count shown); a rejection ends the run. While the pages are weighed the hold
 * cannot be decided (`weighingUntil`, ERR_GUARD_WEIGHING): an admin would approve schools not yet shown. The bound
 * is renewed every {@link WIDEN_EVERY} pages and at least every {@link RENEW_EVERY_MS} (a slow source); a crash
 * mid-way leaves the hold decidable once it runs out, with what was weighed so far (the pages not weighed are held
 * again at the run's resume, as before). A source asking to wait (a Retry-After, its gate paused: review33a F3) is
 * waited out, up to {@link WAIT_AT_MOST_MS} a wait and {@link WAITS_A_PAGE} waits a page, the bound renewed before
 * each wait; a longer pause, a failed read or a decision taken meanwhile ends the weighing; a failure is logged
 * (its code and words, warn: the admin's reason why the hold is not whole), and the hold is decidable at once, as
 * last widened if even its widening fails.
 */
import { appendAudit } from '../audit/chain.js';
import { safeMessage } from '../observability/error-words.js';
import { createGuardHoldsRepo, type HoldReason, type SchoolDiff } from '../store/guard-holds.js';
import { createRunGuardRepo, type RunSchoolCounts } from '../store/run-guard.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { DeferJob, failureCode } from './define.js';
import type { PulledPage } from './sources.js';
import { unitKey } from './guard.js';
import { fetchPage } from './pull-ahead.js';
import { PageNotDue, storeLocked, type PullContext } from './pull-store.js';
import { heldAudit, RunHeld } from './run-guard.js';

/** The hold is widened (and its weighing bound renewed) every so many weighed pages. */
const WIDEN_EVERY = 25;
/** How long a weighing keeps the hold from being decided without widening it (a crashed weighing's bound). */
export const WEIGHING_SECONDS = 120;
/** The bound is renewed at least this often, whatever the pages' pace (well within {@link WEIGHING_SECONDS}). */
const RENEW_EVERY_MS = (WEIGHING_SECONDS * 1000) / 4;
/** The longest wait for a source asking to wait (Retry-After, paused gate, probe out): a longer one ends it. */
const WAIT_AT_MOST_MS = RENEW_EVERY_MS;
/** Waits for one page before the weighing ends (a source that keeps asking to wait). */
const WAITS_A_PAGE = 5;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const sumRows = (into: Map<string, RunSchoolCounts>, rows: readonly RunSchoolCounts[]): void => {
  for (const r of rows) {
    const u = unitKey(r.school, r.schoolYear || undefined);
    const was = into.get(u);
    into.set(
      u,
      was
        ? {
            ...was,
            live: was.live ?? r.live,
            deleted: was.deleted + r.deleted,
            moved: was.moved + r.moved,
            changed: was.changed + r.changed,
            regraded: was.regraded + r.regraded,
            arrived: was.arrived + r.arrived,
          }
        : { ...r },
    );
  }
};

/**
 * The codes `was` shown, with `more`'s added up to `cap` in all (review33a F2: the codes of every weighed page,
 * unbounded, were 1.7 M codes, 22 MB of jsonb, at a city's recoding); `dropped`: whether any new code was left out.
 */
function capped(
  was: readonly string[] = [],
  more: readonly string[],
  cap: number,
): { keys: string[]; dropped: boolean } {
  const keys = new Set(was);
  let dropped = false;
  for (const k of more) {
    if (keys.has(k)) continue;
    if (keys.size >= cap) dropped = true;
    else keys.add(k);
  }
  return { keys: [...keys], dropped };
}

/** What the weighing found so far: the held page's and the weighed pages' counts, reasons and diffs. */
class Weighed {
  readonly rows = new Map<string, RunSchoolCounts>();
  readonly reasons = new Map<string, HoldReason>();
  readonly diff = new Map<string, SchoolDiff>();
  pages = 0;
  /** The held page's reasons, as its hold was made: audited again only when the weighing adds to them. */
  readonly first: string;

  /**
   * `keysCap`: the codes kept per school and kind (config `guard.weighedKeys`; the held page's own if more): the
   * counts stay the run's, exact; a school some of whose codes were left out says so (`keysTruncated`).
   */
  constructor(
    held: RunHeld,
    private readonly keysCap: number,
  ) {
    sumRows(this.rows, held.rows);
    for (const d of held.diff) this.diff.set(unitKey(d.school, d.schoolYear), d);
    this.addReasons(held.reasons);
    this.first = JSON.stringify([...this.reasons.values()]);
  }

  /** Whether the weighed pages held more than the held page did. */
  get grew(): boolean {
    return JSON.stringify([...this.reasons.values()]) !== this.first;
  }

  private addReasons(reasons: readonly HoldReason[]): void {
    // A later page's reason has the run's count with it: the larger.
    for (const r of reasons)
      this.reasons.set(`${unitKey(r.school, r.schoolYear)}|${r.grade ?? ''}|${r.kind}`, r);
  }

  /**
   * A weighed page: its counts added; the schools it holds added to the hold, their codes with those shown (up to
   * the cap: the held page's own codes are all kept, as a hold of one page always showed them).
   */
  add(held: RunHeld): void {
    this.pages += 1;
    sumRows(this.rows, held.rows);
    this.addReasons(held.reasons);
    const over = new Set(held.reasons.map((r) => unitKey(r.school, r.schoolYear)));
    for (const d of held.diff) {
      const u = unitKey(d.school, d.schoolYear);
      const was = this.diff.get(u);
      if (!over.has(u) && !was) continue;
      const [deleted, moved, changed] = (['deleted', 'moved', 'changed'] as const).map((k) =>
        capped(was?.keys[k], d.keys[k], Math.max(this.keysCap, was?.keys[k].length ?? 0)),
      ) as [ReturnType<typeof capped>, ReturnType<typeof capped>, ReturnType<typeof capped>];
      const keys = { deleted: deleted.keys, moved: moved.keys, changed: changed.keys };
      const truncated = was?.keysTruncated || deleted.dropped || moved.dropped || changed.dropped;
      this.diff.set(u, { ...d, keys, ...(truncated ? { keysTruncated: true as const } : {}) });
    }
  }
}

/**
 * One page weighed in a transaction always rolled back: what the guard found, or undefined when the run is no
 * longer held (decided meanwhile: ./pull-store.ts `PageNotDue`). Any other failure is thrown.
 */
async function weighPage(
  ctx: PullContext,
  run: SyncRun,
  pageNo: number,
  page: Awaited<ReturnType<typeof fetchPage>>,
  sofar: readonly RunSchoolCounts[],
): Promise<RunHeld | undefined> {
  try {
    await ctx.db.tx(async (q) => {
      // The pages weighed before it count as the run's (rolled back with the page).
      await createRunGuardRepo(q).add(run.id, sofar);
      const pageIn = { run, pageNo, page, ahead: undefined, outboxId: undefined, weighing: true };
      await storeLocked(q, ctx, pageIn, false);
      throw new Error('a weighed page was not weighed');
    });
  } catch (err) {
    if (err instanceof RunHeld) return err;
    if (err instanceof PageNotDue) return undefined;
    throw err;
  }
  return undefined;
}

/**
 * Why a weighing stopped, as a log line may hold it (fix33a): the error's code (a hand-back's: its failure's, or
 * the pause's reason) and its words, never a record's values.
 */
function whyStopped(err: unknown): { code: string; reason: string } {
  if (err instanceof DeferJob)
    return {
      code: err.cause === undefined ? `paused:${err.reason}` : failureCode(err.cause),
      reason: safeMessage(err.cause ?? err).slice(0, 200),
    };
  return { code: failureCode(err), reason: safeMessage(err).slice(0, 200) };
}

/**
 * Widens the hold to what was weighed; `until`: the seconds it stays undecidable (0: the weighing is over). False
 * when the hold was decided meanwhile.
 */
async function widen(
  ctx: PullContext,
  run: SyncRun,
  holdId: number,
  w: Weighed,
  until: number,
): Promise<boolean> {
  const reasons = [...w.reasons.values()];
  return ctx.db.tx(async (q) => {
    const widened = await createGuardHoldsRepo(q).widen(holdId, [...w.diff.values()], reasons, until);
    if (widened && until === 0 && w.grew)
      await appendAudit(q, [heldAudit(holdId, 'run', run, reasons, { weighedPages: w.pages })], ctx.now());
    return widened;
  });
}

/**
 * The page at `at`'s cursor, a source's request to wait (a `DeferJob`: Retry-After, paused gate, probe out) waited
 * out within the bounds above, `renew` (the weighing's bound) called before each wait; undefined when the hold
 * was decided meanwhile. A longer wait, or one too many, is thrown (the weighing ends).
 */
async function readWaiting(
  ctx: PullContext,
  at: SyncRun,
  renew: () => Promise<boolean>,
): Promise<PulledPage | undefined> {
  for (let waits = 0; ; waits += 1) {
    try {
      return await fetchPage(ctx, at);
    } catch (err) {
      if (!(err instanceof DeferJob) || err.delayMs > WAIT_AT_MOST_MS || waits >= WAITS_A_PAGE) throw err;
      if (!(await renew())) return undefined;
      await sleep(Math.max(0, err.delayMs));
    }
  }
}

/**
 * Weighs the pages after the held page `pageNo` (whose next cursor is `cursor`) and widens the run's hold
 * `holdId` to every school they would hold. Never throws: a page that cannot be read or weighed ends it.
 */
export async function weighOn(
  ctx: PullContext,
  run: SyncRun,
  from: { pageNo: number; cursor: string | undefined; holdId: number; held: RunHeld },
): Promise<void> {
  if (from.cursor === undefined || !ctx.config.guard.enabled) return;
  const w = new Weighed(from.held, ctx.config.guard.weighedKeys);
  const about = { system: run.system, entity: run.entity, syncRunId: run.id, holdId: from.holdId };
  let cursor: string | undefined = from.cursor;
  let pageNo = from.pageNo + 1;
  let renewedAt = Date.now();
  const renew = async (): Promise<boolean> => {
    renewedAt = Date.now();
    return widen(ctx, run, from.holdId, w, WEIGHING_SECONDS);
  };
  try {
    await createGuardHoldsRepo(ctx.db).widen(
      from.holdId,
      [...w.diff.values()],
      [...w.reasons.values()],
      WEIGHING_SECONDS,
    );
    while (cursor !== undefined) {
      const at: SyncRun = { ...run, cursor, pages: pageNo, status: 'held' };
      const page = await readWaiting(ctx, at, renew);
      if (!page) break;
      const held = await weighPage(ctx, at, pageNo, page, [...w.rows.values()]);
      if (!held) break;
      w.add(held);
      cursor = page.nextCursor;
      pageNo += 1;
      const due = w.pages % WIDEN_EVERY === 0 || Date.now() - renewedAt >= RENEW_EVERY_MS;
      if (due && cursor !== undefined && !(await renew())) break;
    }
  } catch (err) {
    // A read that failed, a system paused longer than a weighing waits, a page that could not be weighed: the hold
    // shows what was weighed, and the admin's log says why it is not whole (review32 F3, fix33a, review33a F3).
    ctx.logger.warn(
      { ...about, weighedPages: w.pages, ...whyStopped(err) },
      "the weighing of a held run's next pages stopped: its hold shows the pages weighed so far, and can be decided",
    );
  }
  try {
    await widen(ctx, run, from.holdId, w, 0);
  } catch (err) {
    // The hold as last widened, decidable now rather than after the weighing's bound.
    ctx.logger.warn(
      { ...about, weighedPages: w.pages, ...whyStopped(err) },
      "a held run's hold could not be widened to its weighed pages: the weighing is ended with the hold as it was",
    );
    await createGuardHoldsRepo(ctx.db)
      .endWeighing(from.holdId)
      .catch((e: unknown) =>
        ctx.logger.warn(
          { ...about, ...whyStopped(e) },
          `a held run's weighing could not be ended: its hold can be decided after ${WEIGHING_SECONDS} s`,
        ),
      );
  }
}
