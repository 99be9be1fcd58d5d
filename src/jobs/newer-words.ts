/**
 * A vendor batch's records left to a newer word (migration 600, ../store/word-arrival.ts): its write statement
 * writes a record only where no word that arrived after the batch is (a newer batch of the vendor ingested
 * before it, a re-push judged at once, the city's write or deletion since, a held batch approved late), whatever
 * the batch read before; the rows it left are its unchanged ones (review18 R1, review19 R19-7/R19-8). What the
 * rest of the ingest needs of them: the plan as written, with the batch's own copies of those records, which a
 * school system's copies note as what that system held when the batch arrived (review18b R3) — less those a
 * re-push in the batch's own format carried since (what that body carried was noted when it was first judged:
 * review19b).
 */
import type { ExistingRow, UpsertRow } from '../store/records.js';
import type { JudgeContext, Plan } from './judge.js';
import { carriedByRepushes } from './repeat-carried.js';
import type { Queryable } from '../store/db.js';
import type { EntityName } from '../config.js';

/** `p` as written, when the write left `left` (keys of `p.toWrite`) to a newer word: those counted unchanged. */
export async function leftToNewer(
  q: Queryable,
  deps: JudgeContext,
  batch: { entity: EntityName; createdAt: Date; format: string },
  p: Plan,
  left: readonly string[],
  existing: ReadonlyMap<string, Pick<ExistingRow, 'scope'>>,
): Promise<Plan> {
  if (left.length === 0) return p;
  const newer = new Set(left);
  const schools = left.flatMap((k) => (existing.has(k) ? [existing.get(k)!.scope] : []));
  const carried =
    schools.length > 0
      ? await carriedByRepushes(q, deps, batch.entity, schools, batch.createdAt)
      : new Map<string, Set<string>>();
  const leftRows: UpsertRow[] = p.toWrite.filter((r) => newer.has(r.key));
  return {
    ...p,
    toWrite: p.toWrite.filter((r) => !newer.has(r.key)),
    unchangedKeys: [...p.unchangedKeys, ...leftRows.map((r) => r.key)],
    leftKeys: leftRows.map((r) => r.key),
    leftCopies: leftRows.filter((r) => carried.get(r.key)?.has(batch.format) !== true),
  };
}
