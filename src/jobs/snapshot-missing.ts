/**
 * What a vendor's snapshot ("every record of my school") no longer holds: the school's live records
 * missing from its keys, not written since it arrived. A class snapshot covers only the school years its
 * classes carry (the school year of its arrival when it carries none): classes are keyed by school, year
 * and code, and last year's classes stay for the records that name them (review16 BUG 12: a snapshot of
 * this year's classes deleted every class of the years before).
 */
import { classKeyParts } from '../canonical/entities.js';
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import type { EntityName } from '../config.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';

export function snapshotMissing(
  q: Queryable,
  entity: EntityName,
  schoolCode: string,
  keys: readonly string[],
  receivedAt: Date,
): Promise<string[]> {
  const records = createRecordsRepo(q);
  if (entity !== 'classes') return records.missingFromSnapshot(entity, schoolCode, keys, receivedAt);
  const years = new Set(keys.map((key) => classKeyParts(key).year));
  if (years.size === 0) years.add(schoolYearOf(vietnamDateOf(receivedAt)));
  return records.missingFromSnapshot(entity, schoolCode, keys, receivedAt, [...years]);
}
