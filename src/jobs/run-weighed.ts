/**
 * What a held run's weighing found (./run-weigh.ts, review32 F3): the held page's and the weighed pages' counts,
 * reasons and diffs ({@link Weighed}), one page weighed in a transaction always rolled back ({@link weighPage}), and
 * why a weighing stopped as a log line may hold it ({@link whyStopped}). Split from ./run-weigh.ts (fix34e).
 */
import { safeMessage } from '../observability/error-words.js';
import type { HoldReason, SchoolDiff } from '../store/guard-holds.js';
import { createRunGuardRepo, type RunSchoolCounts } from '../store/run-guard.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { DeferJob, failureCode } from './define.js';
import { unitKey } from './guard.js';
import type { fetchPage } from './pull-ahead.js';
import { PageNotDue } from './pull-page-tx.js';
import { storeLocked, type PullContext } from './pull-store.js';
import { RunHeld } from './run-guard.js';

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
            restored: was.restored + r.restored,
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

/** The restored codes of a school's diff `was` shown with those of `d` added ({@link capped}). */
const restoredKeys = (was: SchoolDiff | undefined, d: SchoolDiff, cap: number) =>
  capped(was?.keys.restored, d.keys.restored ?? [], Math.max(cap, was?.keys.restored?.length ?? 0));

/** What the weighing found so far: the held page's and the weighed pages' counts, reasons and diffs. */
export class Weighed {
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
    /** Resumed (fix34e): the pages weighed before, and whether they had added to the held page's reasons. */
    before: { pages: number; grew: boolean } = { pages: 0, grew: false },
  ) {
    sumRows(this.rows, held.rows);
    for (const d of held.diff) this.diff.set(unitKey(d.school, d.schoolYear), d);
    this.addReasons(held.reasons);
    this.first = JSON.stringify([...this.reasons.values()]);
    this.pages = before.pages;
    this.grewBefore = before.grew;
  }

  private readonly grewBefore: boolean;

  /** Whether the weighed pages held more than the held page did. */
  get grew(): boolean {
    return this.grewBefore || JSON.stringify([...this.reasons.values()]) !== this.first;
  }

  private addReasons(reasons: readonly HoldReason[]): void {
    // A later page's reason has the run's count with it: the larger.
    for (const r of reasons)
      this.reasons.set(`${unitKey(r.school, r.schoolYear)}|${r.grade ?? ''}|${r.kind}`, r);
  }

  /**
   * A weighed page: its counts added; the schools it holds added to the hold, their codes with those shown (up to
   * the cap: the held page's own codes are all kept, as a hold of one page always showed them). `page` false: the
   * run's reconciliation weighed ahead (./reconcile-ahead.ts), no page and no counts of the run's.
   */
  add(held: RunHeld, page = true): void {
    if (page) this.pages += 1;
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
      const restored = d.keys.restored || was?.keys.restored ? restoredKeys(was, d, this.keysCap) : undefined;
      const keys = {
        deleted: deleted.keys,
        moved: moved.keys,
        changed: changed.keys,
        ...(restored ? { restored: restored.keys } : {}),
      };
      const truncated =
        was?.keysTruncated || deleted.dropped || moved.dropped || changed.dropped || restored?.dropped;
      this.diff.set(u, { ...d, keys, ...(truncated ? { keysTruncated: true as const } : {}) });
    }
  }
}

/**
 * One page weighed in a transaction always rolled back: what the guard found, or undefined when the run is no
 * longer held (decided meanwhile: ./pull-page-tx.ts `PageNotDue`). Any other failure is thrown.
 */
export async function weighPage(
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
export function whyStopped(err: unknown): { code: string; reason: string } {
  if (err instanceof DeferJob)
    return {
      code: err.cause === undefined ? `paused:${err.reason}` : failureCode(err.cause),
      reason: safeMessage(err.cause ?? err).slice(0, 200),
    };
  return { code: failureCode(err), reason: safeMessage(err).slice(0, 200) };
}
