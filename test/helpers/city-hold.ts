/**
 * A held city-wide run's hold at the city's size (fix34a, review33c N1): 2,500 schools, each with its counts and at
 * most `guard.weighedKeys` (50) codes a kind, as a weighed hold keeps them (`keysTruncated` where some were left out),
 * and a reason for each school over the 30 % threshold. Deterministic; made through the store (../helpers/held-run.ts).
 */
import type { Queryable } from '../../src/store/db.js';
import type { HoldReason, SchoolDiff } from '../../src/store/guard-holds.js';
import { heldRunPage } from './held-run.js';

export const CITY_SCHOOLS = 2500;
const KEPT = 50;
const THRESHOLD = 0.3;

export const schoolCode = (i: number): string => `79${String(i).padStart(6, '0')}`;

const codes = (school: string, kind: string, n: number): string[] =>
  Array.from({ length: Math.min(n, KEPT) }, (_, k) => `${kind}${school}-${String(k).padStart(4, '0')}`);

/** School `i` of the city: its live records and what the run would do to them. */
export function cityDiff(i: number): SchoolDiff {
  const school = schoolCode(i);
  const live = 400 + (i % 200);
  const changed = (i * 37) % live;
  const deleted = i % 3 === 0 ? (i * 11) % 40 : 0;
  const moved = i % 5 === 0 ? 3 : 0;
  const truncated = changed > KEPT || deleted > KEPT || moved > KEPT;
  return {
    school,
    live,
    deleted,
    moved,
    changed,
    keys: {
      deleted: codes(school, 'D', deleted),
      moved: codes(school, 'M', moved),
      changed: codes(school, 'C', changed),
    },
    ...(truncated ? { keysTruncated: true as const } : {}),
  };
}

export function cityReasons(diff: readonly SchoolDiff[]): HoldReason[] {
  return diff
    .filter((d) => d.changed / d.live > THRESHOLD)
    .map((d) => ({
      school: d.school,
      kind: 'changed' as const,
      count: d.changed,
      live: d.live,
      ratio: d.changed / d.live,
      threshold: THRESHOLD,
    }));
}

/** A held run's hold of the city's `n` schools (in code order, as a run's pages bring them). */
export async function cityHold(
  db: Queryable,
  n = CITY_SCHOOLS,
): Promise<{ run: number; holdId: number; diff: SchoolDiff[]; reasons: HoldReason[] }> {
  const diff = Array.from({ length: n }, (_, i) => cityDiff(i));
  const reasons = cityReasons(diff);
  const { run, holdId } = await heldRunPage(db, { reasons });
  await db.query(`UPDATE truc.guard_holds SET diff = $2 WHERE id = $1`, [holdId, JSON.stringify(diff)]);
  return { run, holdId, diff, reasons };
}

/** Most affected first (deleted + moved + changed), then by school code: the order the API pages them in. */
export const mostAffectedFirst = (a: SchoolDiff, b: SchoolDiff): number =>
  b.deleted + b.moved + b.changed - (a.deleted + a.moved + a.changed) ||
  (a.school < b.school ? -1 : a.school > b.school ? 1 : 0);
