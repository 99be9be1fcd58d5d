/**
 * A unit's report versions as listed (fix35e; fix36a): `GET /v1/pcgd/reports?unit=&year=` and `truc pcgd list`, one
 * page of them newest first, so the CLI's `--json` is the API's answer. Each version says whether a province report
 * rests on a commune version replaced since (`outdated`, ./sources.ts: its officer computes it again) and the
 * Ministry's receipt id once receipted.
 */
import type { PcgdConfig } from '../../config.js';
import type { Queryable } from '../../store/db.js';
import { createPcgdRepo, type ReportRow, type ReportStatus } from '../../store/pcgd.js';
import { rowDeadline, type RowDeadline } from './deadlines.js';
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
  /** Its deadline (exclusive, local date) and whether its unit missed it, as GET /v1/pcgd/reports/{id} (./deadlines.ts). */
  submitBefore: string;
  late: boolean;
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

const listed = (r: ReportRow, outdated: boolean, deadline: RowDeadline): ListedReport => ({
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
  ...deadline,
});

/** `unitCode`'s versions (of `year`, or of every year), newest first, a page of them. The caller checks access. */
export async function listReports(
  q: Queryable,
  unitCode: string,
  year: number | null,
  page: { limit: number; offset: number },
  deadlines: { calendar: PcgdConfig['calendar']; now: Date },
): Promise<ReportsPage> {
  const repo = createPcgdRepo(q);
  const { rows, total } = await repo.versionsOf(unitCode, year, page);
  const firsts = new Map<number, Map<string, Date>>();
  const items: ListedReport[] = [];
  for (const r of rows) {
    if (!firsts.has(r.year)) firsts.set(r.year, await repo.firstReceiptedSubmissions(r.year));
    const first = firsts.get(r.year)?.get(r.unit_code) ?? null;
    const deadline = rowDeadline(deadlines.calendar, r, first, deadlines.now);
    items.push(listed(r, (await sourcesNow(q, r)).replaced.length > 0, deadline));
  }
  return { unitCode, year, total, limit: page.limit, offset: page.offset, items };
}
