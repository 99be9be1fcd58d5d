/**
 * What a vendor's snapshot ("every record of my school") no longer holds: the school's live records
 * missing from its keys, not written since it arrived. A class or student snapshot covers only the school years
 * its records carry (the school year of its arrival when it carries none): last year's classes stay for the
 * records that name them (review16 BUG 12: a snapshot of this year's classes deleted every class of the years
 * before), last year's students (its graduates, its leavers) are last year's records, history PCGD-XMC counts
 * (snap24: the first snapshot of the new year deleted them, and the grade guard held nearly every school). Nor what a vendor's unchanged re-push carried
 * since it arrived (./repeat-carried.ts: such a re-push writes no record; review17 B2).
 *
 * Only what its sender is known to have held as it is now goes (precedence (b), review15): written last by
 * the sender, carried unchanged by it since, or acknowledged by (or pulled from) the school's own system
 * before the snapshot arrived (../store/record-deletions.ts `missingFromSnapshot`). The others are `kept`: a student the city
 * moved into the school before the school's system heard is older knowledge's omission, not a deletion.
 * The one place the snapshot's ingest, its guard hold and the dry run ask.
 */
import { schoolYearAt } from '../canonical/school-year.js';
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
 * What a snapshot carries: its records' keys, and the school years they carry (a class's in its key and record,
 * a student's in its record; none for the other entities).
 */
export interface Carried {
  keys: readonly string[];
  years: readonly string[];
}

/** The entities whose records carry their school year: a snapshot of them speaks of the years it carries. */
const BY_YEAR: ReadonlySet<EntityName> = new Set<EntityName>(['classes', 'students']);

/** The school years `records` (mapped, an unmapped one undefined) carry in their `schoolYear` (snap24). */
export function carriedYears(records: readonly ({ data: unknown } | undefined)[]): string[] {
  const years = new Set<string>();
  for (const rec of records) {
    const year = (rec?.data as { schoolYear?: unknown } | undefined)?.schoolYear;
    if (typeof year === 'string') years.add(year);
  }
  return [...years];
}

/**
 * The school years a snapshot speaks of: a class or student snapshot's, those its records carry (the school year
 * of its arrival when it carries none); undefined (every record of the school) for the other entities (staff
 * carry no school year). What it deletes within, and what the guard weighs its deletions against (./guard.ts,
 * ./dry-run.ts): a student snapshot of the new school year says nothing of last year's students (its graduates,
 * its leavers over the summer), which stay as last year's records (snap24, as a class snapshot leaves last
 * year's classes: review16 BUG 12).
 */
export function snapshotYears(
  entity: EntityName,
  carried: () => Carried,
  receivedAt: Date,
): string[] | undefined {
  if (!BY_YEAR.has(entity)) return undefined;
  const years = new Set(carried().years);
  if (years.size === 0) years.add(schoolYearAt(receivedAt));
  return [...years];
}

/**
 * The school years a vendor batch's changes are weighed within: a class batch's, delta or snapshot, those its
 * classes carry (./guard.ts `overThresholds`; left19 item 3: a class of another year is another record). A
 * student's change may take it from last year to this (the rollover): its stored copy is of a year the batch
 * may not carry, so a student batch's changes are weighed against the whole school (undefined).
 */
export function changeYears(
  entity: EntityName,
  carried: () => Carried,
  receivedAt: Date,
): string[] | undefined {
  return entity === 'classes' ? snapshotYears(entity, carried, receivedAt) : undefined;
}

export async function snapshotMissing(
  q: Queryable,
  deps: JudgeContext,
  entity: EntityName,
  schoolCode: string,
  carried: Carried,
  snapshot: { receivedAt: Date; clientId: string; batchId?: string | undefined },
): Promise<SnapshotMissing> {
  const records = createRecordsRepo(q);
  // A stored snapshot's arrival is read exactly from its row (migration 600); a dry run's is `receivedAt`.
  const opts = { sender: vendorSystem(snapshot.clientId), batchId: snapshot.batchId };
  const schoolYears = snapshotYears(entity, () => carried, snapshot.receivedAt);
  const found = await records.missingFromSnapshot(entity, schoolCode, carried.keys, snapshot.receivedAt, {
    ...opts,
    schoolYears,
  });
  if (found.missing.length === 0) return found;
  const repushed = await carriedByRepushes(q, deps, entity, [schoolCode], snapshot.receivedAt);
  return repushed.size === 0
    ? found
    : { ...found, missing: found.missing.filter((key) => !repushed.has(key)) };
}
