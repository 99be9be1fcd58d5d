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
  if (row.unit_level !== 'province') return NONE;
  const sources = (row.figures as StoredFigures | null)?.communeSources ?? {};
  const taken = Object.entries(sources).filter(([, s]) => s !== null) as Array<[string, CommuneSource]>;
  if (taken.length === 0) return NONE;
  const codes = new Set(taken.map(([code]) => code));
  const rows = (await createPcgdRepo(q).currentOfYear(row.year)).filter((r) => codes.has(r.unit_code));
  const current = new Map(
    rows.map((r) => [r.unit_code, { reportId: r.id, version: r.version, status: r.status }]),
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
 * The communes of a province report whose approved report it took its figures from is no longer their current
 * approved version (reopened since, or superseded by another approved one: review34b F1), by code.
 */
export async function withdrawnSources(
  q: Queryable,
  row: Pick<ReportRow, 'figures' | 'year' | 'unit_level'>,
): Promise<string[]> {
  return (await sourcesNow(q, row)).replaced;
}
