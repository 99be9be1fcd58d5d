/**
 * A unit's report versions as listed (fix35e; fix36a): `GET /v1/pcgd/reports?unit=&year=` and `truc pcgd list`, one
 * page of them newest first, so the CLI's `--json` is the API's answer. Each version says whether a province report
 * rests on a commune version replaced since (`outdated`, ./sources.ts: its officer computes it again) and the
 * Ministry's receipt id once receipted.
 */
import type { Queryable } from '../../store/db.js';
import { createPcgdRepo, type ReportRow, type ReportStatus } from '../../store/pcgd.js';
import { sourcesNow } from './sources.js';

/** One version as listed. */
export interface ListedReport {
  reportId: number;
  year: number;
  version: number;
  status: ReportStatus;
  superseded: boolean;
  /** A province report taken from a commune version replaced since: compute it again (./sources.ts). */
  outdated: boolean;
  reopenReason: string | null;
  computedAt: string;
  approvedAt: string | null;
  submittedAt: string | null;
  receiptedAt: string | null;
  /** The Ministry's receipt id; null until receipted. */
  receiptId: string | null;
}

/** A page of a unit's versions. */
export interface ReportsPage {
  unitCode: string;
  year: number | null;
  total: number;
  limit: number;
  offset: number;
  items: ListedReport[];
}

/** The receipt id a receipted version keeps (the Ministry's receipt as stored: lifecycle.ts storeReceipt). */
const receiptIdOf = (receipt: unknown): string | null => {
  const id = (receipt as { receiptId?: unknown } | null)?.receiptId;
  return typeof id === 'string' ? id : null;
};

const listed = (r: ReportRow, outdated: boolean): ListedReport => ({
  reportId: r.id,
  year: r.year,
  version: r.version,
  status: r.status,
  superseded: r.superseded_at !== null,
  outdated,
  reopenReason: r.reopen_reason,
  computedAt: r.computed_at.toISOString(),
  approvedAt: r.approved_at?.toISOString() ?? null,
  submittedAt: r.submitted_at?.toISOString() ?? null,
  receiptedAt: r.receipted_at?.toISOString() ?? null,
  receiptId: receiptIdOf(r.receipt),
});

/** `unitCode`'s versions (of `year`, or of every year), newest first, a page of them. The caller checks access. */
export async function listReports(
  q: Queryable,
  unitCode: string,
  year: number | null,
  page: { limit: number; offset: number },
): Promise<ReportsPage> {
  const { rows, total } = await createPcgdRepo(q).versionsOf(unitCode, year, page);
  const items: ListedReport[] = [];
  for (const r of rows) items.push(listed(r, (await sourcesNow(q, r)).replaced.length > 0));
  return { unitCode, year, total, limit: page.limit, offset: page.offset, items };
}
