/**
 * A held run's next pages weighed (review32 F3): when the guard holds a page of a sync run (./run-guard.ts
 * `holdRun`), the job that held it reads the run's next pages from the source, one after the other to the run's
 * end, and weighs each as the run would (its transaction, ./pull-store.ts `storeLocked` with `weighing`: the page
 * ingested, the guard run on it with the run's counts and those of the pages weighed before it, then rolled back:
 * nothing of it is written, nor the run's cursor advanced; ./run-weighed.ts). Every school (school year) they would
 * take over a threshold is added to the run's hold (its reasons, and those schools' counts and codes in its diff: no
 * personal data), so the admin sees, and decides at once, every school the run would hold: an approval covers each
 * of them (./run-guard.ts `coveredBy`); a rejection ends the run. While the pages are weighed the hold cannot be
 * approved (`weighingUntil`, ERR_GUARD_WEIGHING): an admin would approve schools not yet shown.
 *
 * fix34e (review33a): the weighing's bound is its progress, not a time: it goes on to the run's end, the hold kept
 * undecidable `guard.weighing.boundSeconds` past each widening (every {@link WIDEN_EVERY} pages, and at least every
 * quarter of the bound, so a slow source's pages renew it), at most `guard.weighing.maxSeconds` in all (then it stops,
 * `stoppedBy: "time-cap"`). The hold says how far it got (`weighing`: `whole` when every page to the run's end was
 * weighed, else `partial` with `stoppedBy`, the pages weighed and the run's last page weighed). Each widening is also
 * the point it resumes from (the next cursor and page, the weighed pages' counts): a worker stopped mid-way leaves
 * the hold `interrupted` (decidable, once its bound ran out, with what was weighed, and saying so), and the
 * weighing's outbox row, leased to the job weighing and renewed with the bound, is queued by the relay once the lease
 * runs out: its job (./weigh-resume.ts) goes on from that widening. A source asking to wait (a Retry-After, its gate
 * paused: review33a F3) is waited out, up to {@link WAIT_AT_MOST_MS} a wait and {@link WAITS_A_PAGE} waits a page,
 * the bound renewed before each wait; a longer pause, a failed read or a decision taken meanwhile ends the weighing
 * (`partial`); a failure is logged (its code and words, warn), and the hold is decidable at once, as last widened if
 * even its widening fails.
 */
import { appendAudit } from '../audit/chain.js';
import { createGuardHoldsRepo, type HoldWeighing, type WeighResume } from '../store/guard-holds.js';
import { createOutboxRepo } from '../store/outbox.js';
import { createWeighSeenRepo } from '../store/weigh-seen.js';
import type { RunSchoolCounts } from '../store/run-guard.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import { DeferJob } from './define.js';
import type { PulledPage } from './sources.js';
import { fetchPage } from './pull-ahead.js';
import type { PullContext } from './pull-store.js';
import { heldAudit, RunHeld } from './run-guard.js';
import { reconcileAhead } from './reconcile-ahead.js';
import { weighPage, Weighed, whyStopped } from './run-weighed.js';
import { whileBeating } from './weigh-heartbeat.js';
import type { WeighStart } from './weigh-start.js';
import { sleep } from '../observability/deadline.js';

/** The hold is widened (and its weighing bound renewed) every so many weighed pages. */
const WIDEN_EVERY = 25;
/** The longest wait for a source asking to wait (Retry-After, paused gate, probe out): a longer one ends it. */
const WAIT_AT_MOST_MS = 30_000;
/** Waits for one page before the weighing ends (a source that keeps asking to wait). */
const WAITS_A_PAGE = 5;
/** Why a weighing stopped before the run's end, besides an error's code (../store/guard-holds.ts `HoldWeighing`). */
export const STOPPED_BY_TIME_CAP = 'time-cap';
export const STOPPED_BY_DECISION = 'decided';

/** A weighing under way: what it found, where it is, and its hold's progress as last written. */
interface Weighing {
  run: SyncRun;
  holdId: number;
  w: Weighed;
  cursor: string | undefined;
  /** The run's page to weigh next. */
  pageNo: number;
  outboxId: number;
  progress: HoldWeighing;
}

const boundOf = (ctx: PullContext) => ctx.config.guard.weighing.boundSeconds;

/** The hold's progress now (`state`, and why it stopped). */
function progressOf(
  ctx: PullContext,
  g: Weighing,
  state: HoldWeighing['state'],
  stoppedBy: string | null = null,
): HoldWeighing {
  const through = g.progress.heldPage + g.w.pages;
  return {
    ...g.progress,
    state,
    pages: g.w.pages,
    throughPage: through,
    stoppedBy,
    updatedAt: ctx.now().toISOString(),
  };
}

/** Where the weighing resumes from, as of now (no cursor: every page weighed, the reconciliation left: fix36e). */
const resumeOf = (g: Weighing): WeighResume => ({
  cursor: g.cursor ?? null,
  pageNo: g.pageNo,
  rows: [...g.w.rows.values()],
  grew: g.w.grew,
  outboxId: g.outboxId,
});

/**
 * Widens the hold to what was weighed; `until`: the seconds it stays undecidable (0: the weighing is over, `end` its
 * state). False when the hold was decided meanwhile. Renews the lease of the weighing's outbox row with the bound.
 */
async function widen(ctx: PullContext, g: Weighing, until: number, end?: HoldWeighing): Promise<boolean> {
  const reasons = [...g.w.reasons.values()];
  const progress = { weighing: end ?? progressOf(ctx, g, 'weighing'), resume: end ? null : resumeOf(g) };
  return ctx.db.tx(async (q) => {
    const holds = createGuardHoldsRepo(q);
    const widened = await holds.widen(g.holdId, [...g.w.diff.values()], reasons, until, progress);
    if (until > 0) await createOutboxRepo(q).renewLease(g.outboxId, until);
    if (widened) g.progress = progress.weighing;
    if (widened && end && g.w.grew)
      await appendAudit(
        q,
        [heldAudit(g.holdId, 'run', g.run, reasons, { weighedPages: g.w.pages })],
        ctx.now(),
      );
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
 * Weighs page after page from `g`'s cursor to the run's end, its time cap, a decision or a failure; how it ended:
 * `whole` (the run's end), else why it stopped (a failure thrown).
 */
async function weighPages(ctx: PullContext, g: Weighing): Promise<string | null> {
  const capAt = Date.parse(g.progress.startedAt) + ctx.config.guard.weighing.maxSeconds * 1000;
  const renewEveryMs = (boundOf(ctx) * 1000) / 4;
  let renewedAt = Date.now();
  const renew = async (): Promise<boolean> => {
    renewedAt = Date.now();
    return widen(ctx, g, boundOf(ctx));
  };
  while (g.cursor !== undefined) {
    if (ctx.now().getTime() >= capAt) return STOPPED_BY_TIME_CAP;
    const at: SyncRun = { ...g.run, cursor: g.cursor, pages: g.pageNo, status: 'held' };
    // The weighing's claim kept while it reads and weighs the page, however long (fix35b: ./weigh-heartbeat.ts).
    const { page, held } = await whileBeating(ctx, renew, async () => {
      const read = await readWaiting(ctx, at, renew);
      return { page: read, held: read && (await weighPage(ctx, at, g.pageNo, read, [...g.w.rows.values()])) };
    });
    if (!page || !held) return STOPPED_BY_DECISION;
    if (held.seen) await createWeighSeenRepo(ctx.db).note(g.holdId, g.pageNo, held.seen);
    g.w.add(held);
    g.cursor = page.nextCursor;
    g.pageNo += 1;
    const due = g.w.pages % WIDEN_EVERY === 0 || Date.now() - renewedAt >= renewEveryMs;
    if (due && g.cursor !== undefined && !(await renew())) return STOPPED_BY_DECISION;
  }
  return null;
}

/**
 * Weighs `g` to its end, and writes how far it got: the hold widened to what was weighed and decidable (`whole` or
 * `partial`), its outbox row done. Never throws.
 */
async function weighToEnd(ctx: PullContext, g: Weighing): Promise<void> {
  const about = { system: g.run.system, entity: g.run.entity, syncRunId: g.run.id, holdId: g.holdId };
  let stoppedBy: string | null;
  try {
    stoppedBy = await weighPages(ctx, g);
    // Every page to the run's end weighed: a full run's reconciliation is weighed into the hold too (fix35b), its
    // claim kept meanwhile; a worker stopped inside it leaves it to resume (fix36e: the resume point has no cursor).
    const renew = () => widen(ctx, g, boundOf(ctx));
    const ahead =
      stoppedBy === null
        ? await whileBeating(ctx, renew, () => reconcileAhead(ctx, g.run, g.holdId, [...g.w.rows.values()]))
        : undefined;
    if (ahead?.held) g.w.add(ahead.held, false);
    // The hold says its reasons include the run's end deletions, and how many (fix36e item 1).
    if (ahead) g.progress = { ...g.progress, deletionsWeighed: true, deletions: ahead.deletions };
  } catch (err) {
    // A read that failed, a system paused longer than a weighing waits, a page that could not be weighed: the hold
    // shows what was weighed, says it is partial and why, and the admin's log says why too (fix33a, review33a F3).
    const why = whyStopped(err);
    stoppedBy = why.code;
    ctx.logger.warn(
      { ...about, weighedPages: g.w.pages, ...why },
      "the weighing of a held run's next pages stopped: its hold shows the pages weighed so far, and can be decided",
    );
  }
  if (stoppedBy === STOPPED_BY_TIME_CAP)
    ctx.logger.warn(
      { ...about, weighedPages: g.w.pages, maxSeconds: ctx.config.guard.weighing.maxSeconds },
      "the weighing of a held run's next pages reached guard.weighing.maxSeconds: its hold is partial, and can be decided",
    );
  const end = progressOf(ctx, g, stoppedBy === null ? 'whole' : 'partial', stoppedBy);
  try {
    // Decided meanwhile: the hold as it is, its weighing's end noted.
    if (!(await widen(ctx, g, 0, end))) await createGuardHoldsRepo(ctx.db).finishWeighing(g.holdId, end);
  } catch (err) {
    // The hold as last widened, decidable now rather than after the weighing's bound.
    ctx.logger.warn(
      { ...about, weighedPages: g.w.pages, ...whyStopped(err) },
      "a held run's hold could not be widened to its weighed pages: the weighing is ended with the hold as it was",
    );
    await createGuardHoldsRepo(ctx.db)
      .endWeighing(g.holdId)
      .catch((e: unknown) =>
        ctx.logger.warn(
          { ...about, ...whyStopped(e) },
          `a held run's weighing could not be ended: its hold can be decided after ${boundOf(ctx)} s`,
        ),
      );
  }
  await createOutboxRepo(ctx.db)
    .markDone(g.outboxId)
    .catch(() => undefined); // left open: its job finds nothing to resume
  await createWeighSeenRepo(ctx.db)
    .drop(g.holdId)
    .catch(() => undefined); // left: dropped with the hold
}

/**
 * Weighs the pages after the held page `pageNo` (whose next cursor is `cursor`) and widens the run's hold
 * `holdId` to every school they (and a full run's reconciliation) would hold, from the weighing `start` begun with the
 * hold (./weigh-start.ts). Never throws: a page that cannot be read or weighed ends it.
 */
export async function weighOn(
  ctx: PullContext,
  run: SyncRun,
  from: { pageNo: number; cursor: string | undefined; holdId: number; held: RunHeld },
  start: WeighStart,
): Promise<void> {
  const g: Weighing = {
    run,
    holdId: from.holdId,
    w: new Weighed(from.held, ctx.config.guard.weighedKeys),
    cursor: from.cursor,
    pageNo: from.pageNo + 1,
    outboxId: start.outboxId,
    progress: start.progress,
  };
  await weighToEnd(ctx, g);
}

/**
 * The weighed pages' counts a weighing kept to resume from: one a truc before restoreguard kept (migration 1457) has
 * no `restored`, taken as none (review: its first page's counts were written with restored NULL, the weighing ended).
 */
const keptRows = (rows: readonly unknown[]): RunSchoolCounts[] =>
  (rows as Array<Omit<RunSchoolCounts, 'restored'> & { restored?: number }>).map((r) => ({
    ...r,
    restored: r.restored ?? 0,
  }));

/**
 * A held run's weighing resumed from its last widening (fix34e: its worker stopped mid-way), by the job of its
 * outbox row `outboxId` (./weigh-resume.ts). Nothing to resume (the weighing ended, the hold was decided): its
 * end noted when the weighing had not, the row done.
 */
export async function resumeWeighing(ctx: PullContext, holdId: number, outboxId: number): Promise<void> {
  const holds = createGuardHoldsRepo(ctx.db);
  const [state, hold] = await Promise.all([holds.weighingOf(holdId), holds.get(holdId)]);
  const run =
    hold?.syncRunId === null || hold === undefined
      ? undefined
      : await createSyncRunsRepo(ctx.db).get(hold.syncRunId);
  if (!state?.resume || !state.weighing || !hold || !run || run.status !== 'held') {
    if (hold && hold.weighing?.state === 'interrupted')
      await holds.finishWeighing(holdId, {
        ...hold.weighing,
        state: 'partial',
        stoppedBy: STOPPED_BY_DECISION,
        updatedAt: ctx.now().toISOString(),
      });
    await createOutboxRepo(ctx.db).markDone(outboxId);
    await createWeighSeenRepo(ctx.db).drop(holdId);
    return;
  }
  const { resume } = state;
  const held = new RunHeld(hold.diff, hold.reasons, keptRows(resume.rows));
  const g: Weighing = {
    run,
    holdId,
    w: new Weighed(held, ctx.config.guard.weighedKeys, { pages: state.weighing.pages, grew: resume.grew }),
    cursor: resume.cursor ?? undefined,
    pageNo: resume.pageNo,
    outboxId,
    progress: state.weighing,
  };
  ctx.logger.info(
    { system: run.system, entity: run.entity, syncRunId: run.id, holdId, weighedPages: g.w.pages },
    "a held run's weighing resumed from its last widening",
  );
  await widen(ctx, g, boundOf(ctx));
  await weighToEnd(ctx, g);
}
