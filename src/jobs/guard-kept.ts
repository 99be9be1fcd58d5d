/**
 * Which of an approved snapshot hold's held deletions are still the snapshot's to make, and why each other one is
 * left alone (walk5 W5-12, guard6): a hold said "37 deletions", its approval applied 36 and did not say which one a
 * later word kept. A record is the snapshot's to delete when it is live at its school and no word newer than the
 * snapshot's arrival is there (../store/word-arrival.ts: written, deleted or carried unchanged by a batch that arrived
 * after it, by anyone; a vendor's re-push judged at once writes nothing, so what it carried is read from its batch:
 * ./repeat-carried.ts). Each one left alone is kept with its code, what the newer word did (`written`, `carried`,
 * `deleted`, `moved`), when it arrived and the batch (and sync run) that brought it, or its system: codes and ids
 * only, never personal data.
 */
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import type { KeptRecord } from '../store/guard-hold-diff.js';
import { createRecordsRepo } from '../store/records.js';
import type { NewestWord } from '../store/record-seen.js';
import type { JudgeContext } from './judge.js';
import { carriedByRepushes } from './repeat-carried.js';

/** The held snapshot as its deletions are weighed: its batch, school and arrival. */
interface HeldSnapshot {
  id: string;
  entity: EntityName;
  schoolCode: string;
  createdAt: Date;
}

/** Each key's latest re-push carrying it ({@link carriedByRepushes}' `by`). */
type Repushed = Map<string, { batchId: string; at: Date }>;

/** Of the held keys, those the approval may still delete, and the re-pushes that carried the others. */
export async function dueOfHold(
  q: Queryable,
  deps: JudgeContext,
  batch: HeldSnapshot,
  held: readonly string[],
): Promise<{ due: string[]; repushed: Repushed }> {
  const records = createRecordsRepo(q);
  const unwritten = await records.liveUnwrittenSince(batch.entity, batch.schoolCode, held, batch.id);
  const repushed: Repushed = new Map();
  const carried =
    unwritten.length === 0
      ? new Map<string, Set<string>>()
      : await carriedByRepushes(q, deps, batch.entity, [batch.schoolCode], batch.createdAt, repushed);
  return { due: unwritten.filter((key) => !carried.has(key)), repushed };
}

/** The held records the approval did not delete (`left`), each with the newer word that kept it. */
export async function keptRecords(
  q: Queryable,
  batch: HeldSnapshot,
  left: readonly string[],
  repushed: Repushed,
): Promise<KeptRecord[]> {
  if (left.length === 0) return [];
  // The hold's own batch (its row keeps the id) is never what kept one (review6 R6-7).
  const words = await createRecordsRepo(q).newestWords(batch.entity, batch.schoolCode, left, batch.id);
  const byKey = new Map(words.map((w) => [w.key, w]));
  return left.map((key) => keptOf(key, byKey.get(key), repushed.get(key), batch));
}

function keptOf(
  key: string,
  w: NewestWord | undefined,
  repush: { batchId: string; at: Date } | undefined,
  batch: HeldSnapshot,
): KeptRecord {
  // No row of it at all (review6 R6-8: read as `deleted`): truc cannot say what kept it.
  if (!w) return { key, why: 'unknown', at: null };
  // No newer word on the row: a vendor's re-push judged at once carried it (nothing written).
  if (repush && w.at <= batch.createdAt)
    return { key, why: 'carried', at: repush.at.toISOString(), batchId: repush.batchId };
  const why = w.deleted
    ? 'deleted'
    : w.school !== batch.schoolCode
      ? 'moved'
      : w.carried
        ? 'carried'
        : 'written';
  const by = w.batchId
    ? { batchId: w.batchId, ...(w.syncRunId !== null ? { syncRunId: w.syncRunId } : {}) }
    : w.system
      ? { system: w.system }
      : {};
  return { key, why, at: w.at.toISOString(), ...by };
}

/**
 * A kept record as the guard.applied audit entry lists it (its details take strings): `GK17 written batch=<id> run=3
 * at=<ISO>`, the parts known.
 */
export const keptAudit = (k: KeptRecord): string =>
  [
    k.key,
    k.why,
    ...(k.batchId ? [`batch=${k.batchId}`] : []),
    ...(k.syncRunId !== undefined ? [`run=${k.syncRunId}`] : []),
    ...(k.system ? [`system=${k.system}`] : []),
    ...(k.at ? [`at=${k.at}`] : []),
  ].join(' ');

/** The most kept records a guard.applied audit entry lists (review6 R6-6: a snapshot's 5,000 in one chained row). */
export const AUDIT_KEPT_MAX = 100;

/**
 * The kept records as the guard.applied audit entry holds them: their count, and the first {@link AUDIT_KEPT_MAX}
 * (the hold's own view, GET /v1/guard/holds/{id}, keeps them all).
 */
export const keptInAudit = (kept: readonly KeptRecord[]): { keptCount: number; kept: string[] } => ({
  keptCount: kept.length,
  kept: kept.slice(0, AUDIT_KEPT_MAX).map(keptAudit),
});
