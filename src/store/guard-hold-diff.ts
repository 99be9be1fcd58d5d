/**
 * What a hold of the mass-change guard holds (./guard-holds.ts): per school, the counts and keys of the held change
 * (its diff), and the thresholds it went over (its reasons). Counts and codes only, never personal data.
 */

/**
 * The `school` of a schools run's diff and reasons (guard22): the city's schools, weighed as one unit against every
 * live school (../jobs/run-counts.ts `runUnit`; no school code is `*`); the school codes are the diff's keys.
 */
export const CITY_SCHOOLS = '*';

/** What a held change would do to one school (of one school year: a classes run, left20 item 1). */
export interface SchoolDiff {
  /** The school's code; {@link CITY_SCHOOLS} for a schools run (the city's schools as one). */
  school: string;
  /** A classes run's counts are per school year (the school's classes of that year); absent otherwise. */
  schoolYear?: string;
  /** Live records of the school before the change. */
  live: number;
  deleted: number;
  moved: number;
  changed: number;
  /**
   * Of `changed`, the changes of nothing but a student's grade and class, judged in the rollover window (issue 7
   * item 3: weighed against the window's threshold, the other changes against the year's); absent when none.
   */
  regraded?: number;
  /** Deleted records brought back (restoreguard: a change, ../jobs/guard.ts `evaluate`); absent when none. */
  restored?: number;
  keys: { deleted: string[]; moved: string[]; changed: string[]; restored?: string[] };
  /**
   * A full run's reconciliation held (kind `reconcile`), or weighed ahead into its held run's hold (fix35b,
   * ../jobs/reconcile-ahead.ts): of `deleted`, the records the reconciliation itself would
   * delete (its codes are `keys.deleted`, at most `guard.weighedKeys`); the rest are what the run's pages deleted or
   * moved away before it.
   */
  reconciled?: number;
  /**
   * A held run's weighed hold (../jobs/run-weigh.ts) or a held reconciliation (../jobs/run-guard.ts `keptKeys`,
   * fix34a): some of the school's codes are not among `keys` (config `guard.weighedKeys` a kind are kept, or a weighed
   * hold's held page's own if more); the counts above are all of them. Absent otherwise.
   */
  keysTruncated?: true;
  /**
   * A vendor batch weighed with its school's earlier vendor batches (../jobs/vendor-window.ts): of the counts above,
   * the records those changed and deleted since `since` (ISO 8601), not among `keys` (the batch's own).
   */
  window?: { since: string; changed: number; deleted: number };
}

/** One threshold a school's change went over. */
export interface HoldReason {
  school: string;
  /** A classes run's: the school year weighed ({@link SchoolDiff}). */
  schoolYear?: string;
  /** A student snapshot's deletions weighed within one grade of the school (../jobs/grade-guard.ts). */
  grade?: string;
  kind: 'deleted' | 'changed';
  count: number;
  /**
   * A `changed` reason's: of `count`, the deleted records brought back (restoreguard: a restore is a change, weighed
   * with them); all of them, a hold caused by restores alone. The diff's `restored` (a vendor window's earlier restores
   * are among its `changed`). Absent when none.
   */
  restored?: number;
  live: number;
  ratio: number;
  threshold: number;
}

/**
 * What a held change does that took it over a threshold, as its vendor reads it (`GET /v1/batches/{id}` `guard.kinds`,
 * its dry run's): `deleted` (records deleted or moved away), `changed` (records changed), `restored` (deleted records
 * brought back: weighed with the changes, restoreguard). A reason's kind stays `deleted` or `changed` (what approvals
 * compare); its `restored` tells the restores among a `changed` one's count.
 */
export const GUARD_KINDS = ['deleted', 'changed', 'restored'] as const;
export type GuardKind = (typeof GUARD_KINDS)[number];

/**
 * The kinds a hold's reasons name, in the order they first appear (guard3 item 1: a batch held for restores alone
 * read `['changed']`): a `changed` reason whose count is all restores is `restored`; one with some restores is both.
 */
export function guardKinds(reasons: readonly Pick<HoldReason, 'kind' | 'count' | 'restored'>[]): GuardKind[] {
  const kinds = new Set<GuardKind>();
  for (const r of reasons) {
    const restored = r.kind === 'changed' ? (r.restored ?? 0) : 0;
    if (restored < r.count) kinds.add(r.kind);
    if (restored > 0) kinds.add('restored');
  }
  return [...kinds];
}

/**
 * A record an approved snapshot hold's deletions left alone (../jobs/guard-apply.ts, walk5 W5-12): a newer word than
 * the snapshot's arrived for it. Codes and ids only, never personal data.
 */
export interface KeptRecord {
  /** The record's code. */
  key: string;
  /**
   * What the newer word did: `written` (changed, or rewritten, at the school), `carried` (carried unchanged by a later
   * batch: its sender still holds it), `deleted` (deleted already), `moved` (now at another school), `unknown` (truc
   * holds no row of it: what kept it cannot be said, review6 R6-8).
   */
  why: 'written' | 'carried' | 'deleted' | 'moved' | 'unknown';
  /** When that word arrived (ISO 8601); null when unknown. */
  at: string | null;
  /** The batch that brought it (a vendor's, or a sync run's page), when known. */
  batchId?: string;
  /** The sync run of that batch, a pulled page's. */
  syncRunId?: number;
  /** The system whose word it is, when no batch is known (`vendor:<client>` or a school system). */
  system?: string;
}
