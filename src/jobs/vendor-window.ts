/**
 * The mass-change guard over a vendor's batches (issue 7 item 3): a vendor batch is weighed with what its school's
 * earlier vendor batches changed over `config.guard.vendorWindowHours` (24 h), so the same mass change sent as
 * several batches (a nightly push split into pages; a school of more than 2,000 students, which no batch of 1,000
 * can take over half) is held at the batch that takes the school over a threshold, as the one batch carrying it all
 * is (./guard.ts `guardBatch`). The window's changes are the distinct records of the school the earlier batches
 * changed, or deleted (a snapshot's deletions), read from the change feed (../store/vendor-window.ts); a record this
 * batch changes again counts once. An admin's approval decides what its hold showed: the approved batch's changes
 * and the window's before its hold was made count no more (the window starts again there). A rejected batch
 * changed nothing, and what the window held before it still counts.
 *
 * Only a batch that could be held reads the window: one with a change or a deletion of its school while the
 * changed-records threshold is under 1 (none otherwise: an unchanged re-push changes nothing, and at a threshold of
 * 1, the rollover window's default, changes never hold). With a lower `rollover.changeRatio` the window's changes
 * weigh as other changes (the feed does not keep which were regrades: ./guard-rollover.ts). The hold's diff counts the window's records with the batch's, its
 * keys are the batch's (as a sync run's hold: the run's counts, the page's keys), and `window` says how many of the
 * counts are the earlier batches' and since when.
 */
import { classKeyParts } from '../canonical/entities.js';
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';
import { createVendorWindowRepo } from '../store/vendor-window.js';
import { PULL_CLIENT } from './contracts.js';
import { diffsOf, evaluate, type GuardEntry, inRollover, type WindowCounts, withWindow } from './guard.js';
import type { JudgeContext } from './judge.js';

const HOUR_MS = 3_600_000;

/** A vendor batch over a threshold with its window ({@link windowOver}): the school's live count and the window's. */
export interface OverWithWindow {
  live: Map<string, number>;
  window: WindowCounts;
}

/** What {@link windowOver} reads of the batch. */
interface WindowedBatch {
  clientId: string;
  entity: EntityName;
  schoolCode: string;
}

/** Whether a batch with these entries could be held with its window: it changes or deletes some of its school. */
function mayHold(entries: readonly GuardEntry[], ctx: JudgeContext, today: string): boolean {
  const settings = ctx.config.guard;
  if (!settings.enabled || settings.vendorWindowHours <= 0 || entries.length === 0) return false;
  const threshold = inRollover(today, settings.rollover)
    ? settings.rollover.changeRatio
    : settings.changeRatio;
  return threshold < 1 || entries.some((e) => e.kind !== 'changed');
}

/** Whether a record of the window is of `years` (every record when none given): a class's by its key, else its record's. */
async function yearFilter(
  q: Queryable,
  entity: EntityName,
  years: readonly string[] | undefined,
  keys: readonly string[],
): Promise<(key: string) => boolean> {
  if (!years) return () => true;
  const of = new Set(years);
  if (entity === 'classes') return (key) => of.has(classKeyParts(key).year);
  const stored =
    keys.length === 0 ? new Map<string, string>() : await createRecordsRepo(q).schoolYearsOf(entity, keys);
  return (key) => of.has(stored.get(key) ?? '');
}

/**
 * Whether the batch's changes (`entries`, ./guard.ts `batchEntries`) take its school over a threshold with the
 * window's, when the batch alone does not (reads only; one statement, two when the school's live records were not
 * counted with the stored copies): the school's live count and the window's counts, or undefined. A threshold the
 * window alone went over (its records since deleted by others) holds only a batch that adds to it.
 */
export async function windowOver(
  q: Queryable,
  ctx: JudgeContext,
  batch: WindowedBatch,
  entries: readonly GuardEntry[],
  opts: {
    live?: ReadonlyMap<string, number> | undefined;
    years?: readonly string[] | undefined;
    today: string;
  },
): Promise<OverWithWindow | undefined> {
  if (batch.clientId === PULL_CLIENT) return undefined;
  const own = entries.filter((e) => e.school === batch.schoolCode);
  if (!mayHold(own, ctx, opts.today)) return undefined;
  const from = new Date(ctx.now().getTime() - ctx.config.guard.vendorWindowHours * HOUR_MS);
  const found = await createVendorWindowRepo(q).changesOf(batch.schoolCode, batch.entity, from, PULL_CLIENT);
  // A class batch is weighed within the school years it carries (./guard.ts), its window too; a student snapshot's
  // deletions likewise (snap24: a student's year is in its record, read for the window's records).
  const mine = new Set(own.map((e) => e.key));
  const inYears = await yearFilter(q, batch.entity, opts.years, [...found.changed, ...found.deleted]);
  const earlier = (keys: readonly string[]) => keys.filter((k) => !mine.has(k) && inYears(k));
  const changed = earlier(found.changed);
  const deleted = earlier(found.deleted);
  if (changed.length === 0 && deleted.length === 0) return undefined;
  const school = batch.schoolCode;
  const counted =
    opts.live?.get(school) ??
    (await createRecordsRepo(q).liveCounts(batch.entity, [school], opts.years)).get(school) ??
    0;
  const live = new Map([[school, counted]]);
  const window = {
    school,
    since: found.since.toISOString(),
    changed: changed.length,
    deleted: deleted.length,
  };
  const [diff] = withWindow(diffsOf(own, live), window);
  // A restore is a change (restoreguard, ./guard.ts `evaluate`): it adds to the changes, not to the deletions.
  const adds = new Set(
    own.map((e) => (e.kind === 'changed' || e.kind === 'restored' ? 'changed' : 'deleted')),
  );
  const reasons = evaluate(diff ? [diff] : [], ctx.config.guard, opts.today);
  return reasons.some((r) => adds.has(r.kind)) ? { live, window } : undefined;
}
