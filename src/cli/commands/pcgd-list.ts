/**
 * `truc pcgd list <unit...> [--year]` (fix36a; several units fix37c): each unit's PCGD-XMC report versions, newest
 * first, one line each (unit, year, version, status, outdated, submitted at, receipt), or with `--json` the API's
 * answer to `GET /v1/pcgd/reports?unit=&year=`, one line per unit (src/reporting/pcgd/list.ts builds both).
 */
import { loadConfig } from '../../config.js';
import type { RowDeadline } from '../../reporting/pcgd/deadlines.js';
import type { ListedReport, ReportsPage } from '../../reporting/pcgd/list.js';
import type { ReportStatus } from '../../store/pcgd.js';
import { reportYearProblem } from '../../reporting/pcgd/years.js';
import { badValue, both, defineCommand, int, runs, UsageError, vnTime } from '../kit.js';
import type { CliOutput } from '../progress.js';
import { REPORT_STATUS_VI, viOf } from './words.js';

/** As the API pages it (src/api/routes/pcgd/list.ts). */
const PAGE_MAX = 500;

/** `--year`: a year the deadlines can be asked of, by the API's one rule (src/reporting/pcgd/years.ts). */
function listYear(value: string): number {
  const n = int(0, 9999)(value);
  const problem = reportYearProblem(n, 'deadlines', new Date());
  if (problem) throw badValue(problem.vi, problem.en);
  return n;
}

/** `<unit>`: a 5-digit commune or 2-digit province code; another text is bad usage (exit 2). */
export const unitArg = (v: string | undefined): string => {
  if (!v || !/^(\d{2}|\d{5})$/.test(v))
    throw new UsageError(
      both(
        'đơn vị (unit): mã xã 5 chữ số hoặc mã tỉnh 2 chữ số',
        'unit: a 5-digit commune or 2-digit province code',
      ),
    );
  return v;
};

/**
 * One version's line: unit/year and version, status (replaced by a newer version), outdated (a province report on a
 * commune version replaced since: compute it again), when it was submitted and the Ministry's receipt.
 */
export function reportLine(unitCode: string, r: ListedReport): string {
  const vi: string[] = [
    `${unitCode}/${r.year} v${r.version} (báo cáo ${r.reportId}): ${viOf(REPORT_STATUS_VI, r.status)}`,
  ];
  const en: string[] = [`${unitCode}/${r.year} v${r.version} (report ${r.reportId}): ${r.status}`];
  if (r.superseded) {
    vi.push('đã thay bằng phiên bản mới hơn');
    en.push('replaced by a newer version');
  }
  if (r.outdated) {
    vi.push('LỖI THỜI: dựa trên phiên bản xã đã thay, tính lại');
    en.push('OUTDATED: built on a replaced commune version, compute again');
  }
  vi.push(r.submittedAt ? `gửi ${vnTime(r.submittedAt)}` : 'chưa gửi');
  en.push(r.submittedAt ? `submitted ${vnTime(r.submittedAt)}` : 'not submitted');
  vi.push(r.receiptId ? `biên nhận ${r.receiptId}` : 'chưa có biên nhận');
  en.push(r.receiptId ? `receipt ${r.receiptId}` : 'no receipt');
  // walk11 W11-4: the API's `late` (../../reporting/pcgd/deadlines.ts), said of the versions that count.
  if (r.late && (r.submittedAt || !r.superseded)) {
    const late = lateWords(r.submitBefore, r.submittedAt !== null);
    vi.push(late.vi);
    en.push(late.en);
  }
  return both(vi.join(', '), en.join(', '));
}

/**
 * A unit that missed its deadline (`late`, GET /v1/pcgd/reports/{id}'s, deadlines.ts deadlineStanding: walk11 W11-4),
 * pcgd list's and submit's words: `sent`, this version submitted (or queued), or past the deadline and not.
 */
export const lateWords = (submitBefore: string, sent: boolean) => ({
  vi: `TRỄ HẠN: ${sent ? 'gửi từ ngày hết hạn trở đi' : 'quá hạn mà chưa gửi'} (hạn: trước ngày ${submitBefore})`,
  en: `LATE: ${sent ? 'submitted on or after its deadline' : 'past its deadline, not submitted'} (due before ${submitBefore})`,
});

/**
 * pcgd submit's line of one report: queued (and, past its deadline, that it is late: walk11 W11-4, the API's 202
 * `late`), or the status it already has.
 */
export function submittedLine(
  r: { queued: boolean; row: { id: number; status: ReportStatus } },
  deadline: RowDeadline,
): string {
  const id = r.row.id;
  if (!r.queued)
    return both(
      `báo cáo ${id} đã ở trạng thái ${viOf(REPORT_STATUS_VI, r.row.status)}`,
      `report ${id} is already ${r.row.status}`,
    );
  const late = deadline.late ? lateWords(deadline.submitBefore, true) : null;
  return both(
    `báo cáo ${id} đã xếp hàng chờ gửi${late ? `, ${late.vi}` : ''}`,
    `report ${id} queued for delivery${late ? `, ${late.en}` : ''}`,
  );
}

/** The page's lines: how many, one line a version, where the next page starts. */
function printPage(out: CliOutput, p: ReportsPage): void {
  const of = p.year === null ? '' : `/${p.year}`;
  if (p.items.length === 0) {
    out.stderr(
      `${both(`đơn vị ${p.unitCode}${of} chưa có báo cáo nào`, `unit ${p.unitCode}${of} has no reports`)}\n`,
    );
    return;
  }
  out.stdout(
    `${both(
      `${p.items.length} trên ${p.total} phiên bản báo cáo của ${p.unitCode}${of}, mới nhất trước`,
      `${p.items.length} of ${p.total} report versions of ${p.unitCode}${of}, newest first`,
    )}\n`,
  );
  for (const r of p.items) out.stdout(`  ${reportLine(p.unitCode, r)}\n`);
  const next = p.offset + p.items.length;
  if (next < p.total) out.stdout(`${both(`còn nữa: --offset ${next}`, `more: --offset ${next}`)}\n`);
}

export const listCommand = () =>
  runs<{ year?: number; limit?: number; offset?: number; json?: boolean }>(
    defineCommand('list', 'units’ report versions, newest first (as GET /v1/pcgd/reports)')
      .argument('<unit...>', '5-digit commune or 2-digit province codes, one or more (each listed in turn)')
      .option('--year <year>', 'only this year (default: every year)', listYear)
      .option(
        '--limit <n>',
        `at most this many (default 50, at most ${PAGE_MAX}, as the API)`,
        int(1, PAGE_MAX),
      )
      .option('--offset <n>', 'skip this many (default 0)', int(0, 1_000_000))
      .option('--json', 'the API’s answer, as JSON: one line per unit'),
    async (o, units, out) => {
      // Every code checked before the database is opened; a unit named twice is listed once.
      const unitCodes = [...new Set(units.map(unitArg))];
      const config = loadConfig();
      const { operatorClock, withDb } = await import('../../ops.js');
      const { listReports } = await import('../../reporting/pcgd/list.js');
      const page = { limit: o.limit ?? 50, offset: o.offset ?? 0 };
      const deadlines = { calendar: config.pcgd.calendar, now: operatorClock() };
      await withDb(config, async (db) => {
        for (const unitCode of unitCodes) {
          const p = await listReports(db, unitCode, o.year ?? null, page, deadlines);
          if (o.json) out.stdout(`${JSON.stringify(p)}\n`);
          else printPage(out, p);
        }
      });
      return 0;
    },
  );
