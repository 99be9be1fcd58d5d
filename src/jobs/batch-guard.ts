/**
 * The mass-change guard of a vendor batch (issue 7): the batch is weighed before anything of it is written, alone
 * (./guard.ts `overThresholds`: its changes and moves against each school's live records) and, when alone it stays
 * within, with what its school's earlier vendor batches changed over the window (./vendor-window.ts): over a
 * threshold either way, the whole batch is held with its diff until a city admin decides. The batch API's dry run
 * asks the same without holding anything ({@link batchWouldHold}).
 */
import { appendAudit } from '../audit/chain.js';
import { vietnamDateOf } from '../canonical/school-year.js';
import type { Queryable } from '../store/db.js';
import { createGuardHoldsRepo, type HoldReason, type SchoolDiff } from '../store/guard-holds.js';
import { createRecordsRepo } from '../store/records.js';
import type { WorkerContext } from './context.js';
import {
  batchEntries,
  diffsOf,
  evaluate,
  overThresholds,
  type BatchWrites,
  type GuardedBatch,
  type OverThresholds,
  unitKey,
  type WindowCounts,
  windowNote,
  withWindow,
} from './guard.js';
import type { JudgeContext } from './judge.js';
import { type Carried, changeYears, snapshotMissing } from './snapshot-missing.js';
import { windowOver } from './vendor-window.js';

/** A vendor batch over a school's thresholds, alone or with its window (the window's counts, then). */
type Over = OverThresholds & { window?: WindowCounts | undefined };

/** Whether the batch goes over a threshold alone, or else with its school's window (reads only). */
async function overAloneOrWithWindow(
  q: Queryable,
  ctx: JudgeContext,
  batch: Omit<GuardedBatch, 'id'>,
  writes: BatchWrites,
  carried: () => Carried,
): Promise<Over | undefined> {
  const alone = await overThresholds(q, ctx, batch, writes, carried);
  if (alone || !ctx.config.guard.enabled) return alone;
  const entries = batchEntries(writes.toWrite, writes.existing);
  if (entries.length === 0) return undefined;
  const today = vietnamDateOf(ctx.now());
  const years = changeYears(batch.entity, carried, batch.createdAt);
  // The copies' read counted every school year: a class batch's school is counted again, within its years.
  const live = years ? undefined : writes.live;
  const found = await windowOver(q, ctx, batch, entries, { live, years, today });
  return found && { entries, live: found.live, years, today, window: found.window };
}

/**
 * The hold's diff and reasons: all the batch would do, its snapshot's deletions included, and its window's
 * records in its school's counts (reads only).
 */
async function holdDiff(
  q: Queryable,
  ctx: JudgeContext,
  batch: Omit<GuardedBatch, 'id'>,
  over: Over,
  carried: () => Carried,
): Promise<{ diff: SchoolDiff[]; reasons: HoldReason[] }> {
  const { entries, live, years, today } = over;
  if (batch.mode === 'snapshot') {
    const { missing } = await snapshotMissing(q, ctx, batch.entity, batch.schoolCode, carried(), {
      receivedAt: batch.createdAt,
      clientId: batch.clientId,
    });
    for (const key of missing) entries.push({ school: batch.schoolCode, kind: 'deleted', key });
    if (!live.has(batch.schoolCode)) {
      const counted = await createRecordsRepo(q).liveCounts(batch.entity, [batch.schoolCode], years);
      for (const [k, v] of counted) live.set(k, v);
    }
  }
  const diff = withWindow(diffsOf(entries, live), over.window);
  return { diff, reasons: evaluate(diff, ctx.config.guard, today) };
}

/**
 * Judges a vendor batch's changes and moves before anything of it is written, in the ingest's
 * transaction. Over a school's thresholds, alone or with its window, the whole batch is held (the caller
 * applies nothing and marks the batch held): the hold's diff shows its changes, moves and (snapshot mode) the
 * deletions it would make, with the window's counts, so an approval lets all of it through (and decides the
 * window's changes: ./vendor-window.ts). Returns the hold's id, or undefined when it may apply.
 */
export async function guardBatch(
  q: Queryable,
  ctx: Pick<WorkerContext, 'config' | 'now'>,
  batch: GuardedBatch,
  writes: BatchWrites,
  carried: () => Carried,
): Promise<number | undefined> {
  const over = await overAloneOrWithWindow(q, ctx, batch, writes, carried);
  if (!over) return undefined;
  const holds = createGuardHoldsRepo(q);
  if (await holds.approved({ batchId: batch.id })) return undefined;
  const { diff, reasons } = await holdDiff(q, ctx, batch, over, carried);
  const id = await holds.create({ kind: 'batch', batchId: batch.id, entity: batch.entity, diff, reasons });
  await appendAudit(
    q,
    [
      {
        actor: 'system:guard',
        action: 'guard.held',
        subject: `guard-hold:${id}`,
        details: {
          kind: 'batch',
          batchId: batch.id,
          entity: batch.entity,
          whole: true,
          reasons: reasons.map((r) => `${unitKey(r.school, r.grade)}:${r.kind}:${r.count}/${r.live}`),
          ...windowNote(over.window),
        },
      },
    ],
    ctx.now(),
  );
  return id;
}

/**
 * What {@link guardBatch} would answer of a batch not stored (the batch API's dry run): the thresholds its
 * hold would go over (none: it would not be held whole), nothing written.
 */
export async function batchWouldHold(
  q: Queryable,
  ctx: JudgeContext,
  batch: Omit<GuardedBatch, 'id'>,
  writes: BatchWrites,
  carried: () => Carried,
): Promise<HoldReason[]> {
  const over = await overAloneOrWithWindow(q, ctx, batch, writes, carried);
  if (!over) return [];
  return (await holdDiff(q, ctx, batch, over, carried)).reasons;
}
