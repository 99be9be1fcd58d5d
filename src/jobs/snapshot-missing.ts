/**
 * What a vendor's snapshot ("every record of my school") no longer holds: the school's live records
 * missing from its keys, not written since it arrived. A class snapshot covers only the school years its
 * classes carry (the school year of its arrival when it carries none): classes are keyed by school, year
 * and code, and last year's classes stay for the records that name them (review16 BUG 12: a snapshot of
 * this year's classes deleted every class of the years before). Nor what a vendor's unchanged re-push carried
 * since it arrived (./repeat-carried.ts: such a re-push writes no record; review17 B2).
 *
 * Only what its sender is known to have held as it is now goes (precedence (b), review15): written last by
 * the sender, carried unchanged by it since, or acknowledged by (or pulled from) the school's own system
 * before the snapshot arrived (../store/record-deletions.ts `missingFromSnapshot`). The others are `kept`: a student the city
 * moved into the school before the school's system heard is older knowledge's omission, not a deletion.
 * The one place the snapshot's ingest, its guard hold and the dry run ask.
 */
import { classKeyParts } from '../canonical/entities.js';
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';
import type { JudgeContext } from './judge.js';
import { carriedByRepushes } from './repeat-carried.js';

export interface SnapshotMissing {
  /** Keys the snapshot deletes. */
  missing: string[];
  /** Keys it omits but does not delete: its sender is not known to have held the record as it is. */
  kept: string[];
}

/** The source system a vendor's batch writes as (./ingest-apply.ts): what a snapshot's sender wrote. */
export const vendorSystem = (clientId: string): string => `vendor:${clientId}`;

/**
 * The school years a snapshot speaks of: a class snapshot's, those its classes carry (the school year of its
 * arrival when it carries none); undefined (every record of the school) for the other entities. What it
 * deletes within, and what the guard weighs its deletions against (./guard.ts, ./dry-run.ts); the guard
 * weighs a class delta batch's changes within the years its classes carry the same way (./guard.ts `guardBatch`).
 */
export function snapshotYears(
  entity: EntityName,
  keys: () => readonly string[],
  receivedAt: Date,
): string[] | undefined {
  if (entity !== 'classes') return undefined;
  const years = new Set(keys().map((key) => classKeyParts(key).year));
  if (years.size === 0) years.add(schoolYearOf(vietnamDateOf(receivedAt)));
  return [...years];
}

export async function snapshotMissing(
  q: Queryable,
  deps: JudgeContext,
  entity: EntityName,
  schoolCode: string,
  keys: readonly string[],
  snapshot: { receivedAt: Date; clientId: string; batchId?: string | undefined },
): Promise<SnapshotMissing> {
  const records = createRecordsRepo(q);
  // A stored snapshot's arrival is read exactly from its row (migration 600); a dry run's is `receivedAt`.
  const opts = { sender: vendorSystem(snapshot.clientId), batchId: snapshot.batchId };
  const schoolYears = snapshotYears(entity, () => keys, snapshot.receivedAt);
  const found = await records.missingFromSnapshot(entity, schoolCode, keys, snapshot.receivedAt, {
    ...opts,
    schoolYears,
  });
  if (found.missing.length === 0) return found;
  const carried = await carriedByRepushes(q, deps, entity, [schoolCode], snapshot.receivedAt);
  return carried.size === 0 ? found : { ...found, missing: found.missing.filter((key) => !carried.has(key)) };
}
