/**
 * Where a province report's commune figures stand now (fix35e, review34b leftovers): each commune's version it took
 * them from, replaced or not since, and the commune's current version. A province report taken from a version replaced
 * since (reopened, or approved again) is outdated: it is not approved or submitted (review34b F1, F3), the API shows
 * it so, and its officer computes it again, also when it was already approved, submitted or receipted.
 */
import type { Queryable } from '../../store/db.js';
import { createPcgdRepo, type ReportRow, type ReportStatus } from '../../store/pcgd.js';
import type { CommuneSource, StoredFigures } from './compute.js';

/** A commune's version as a province report names it now. */
export interface CurrentVersion {
  reportId: number;
  version: number;
  status: ReportStatus;
}

/** A province report's sources now: each commune's current version, and the communes whose source was replaced. */
export interface SourcesNow {
  current: Map<string, CurrentVersion>;
  /** The communes whose approved version the report took its figures from is no longer their current approved one. */
  replaced: string[];
}

const NONE: SourcesNow = { current: new Map(), replaced: [] };
const SIGNED: readonly ReportStatus[] = ['approved', 'submitted', 'receipted'];

/** The sources of `row` now; none for a commune report or a province report computed from persons only. */
export async function sourcesNow(
  q: Queryable,
  row: Pick<ReportRow, 'figures' | 'year' | 'unit_level'>,
): Promise<SourcesNow> {
  if (takenSources(row).length === 0) return NONE;
  return sourcesAmong(row, await createPcgdRepo(q).currentOfYear(row.year));
}

/** The commune versions a province report took its figures from (none for a commune report). */
function takenSources(row: Pick<ReportRow, 'figures' | 'unit_level'>): Array<[string, CommuneSource]> {
  if (row.unit_level !== 'province') return [];
  const sources = (row.figures as StoredFigures | null)?.communeSources ?? {};
  return Object.entries(sources).filter(([, s]) => s !== null) as Array<[string, CommuneSource]>;
}

/** {@link sourcesNow} of `row` among the year's current reports `currentRows` (one rule, read once). */
function sourcesAmong(
  row: Pick<ReportRow, 'figures' | 'unit_level'>,
  currentRows: readonly ReportRow[],
): SourcesNow {
  const taken = takenSources(row);
  if (taken.length === 0) return NONE;
  const codes = new Set(taken.map(([code]) => code));
  const current = new Map(
    currentRows
      .filter((r) => codes.has(r.unit_code))
      .map((r) => [r.unit_code, { reportId: r.id, version: r.version, status: r.status }]),
  );
  const replaced = taken
    .filter(([code, s]) => {
      const now = current.get(code);
      return !now || now.reportId !== s.reportId || !SIGNED.includes(now.status);
    })
    .map(([code]) => code);
  return { current, replaced };
}

/**
 * The current province reports of the year's `currentRows` that are outdated (fix36a item 3): unit code → the
 * communes they took their figures from that were replaced since. What the deadline rows and the operations
 * overview show beside the report's standing, so its officer computes it again before the Ministry gets old figures.
 */
export function outdatedAmong(currentRows: readonly ReportRow[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const row of currentRows) {
    const { replaced } = sourcesAmong(row, currentRows);
    if (replaced.length > 0) out.set(row.unit_code, replaced);
  }
  return out;
}

/** {@link outdatedAmong} of the year's current reports, read once. */
export async function outdatedOfYear(q: Queryable, year: number): Promise<Map<string, string[]>> {
  return outdatedAmong(await createPcgdRepo(q).currentOfYear(year));
}

/**
 * The communes of a province report whose approved report it took its figures from is no longer their current
 * approved version (reopened since, or superseded by another approved one: review34b F1), by code.
 */
export async function withdrawnSources(
  q: Queryable,
  row: Pick<ReportRow, 'figures' | 'year' | 'unit_level'>,
): Promise<string[]> {
  return (await sourcesNow(q, row)).replaced;
}
