/**
 * `truc pcgd list <unit...> [--year]` (fix36a; several units fix37c): each unit's PCGD-XMC report versions, newest
 * first, one line each (unit, year, version, status, outdated, submitted at, receipt), or with `--json` the API's
 * answer to `GET /v1/pcgd/reports?unit=&year=`, one line per unit (src/reporting/pcgd/list.ts builds both).
 */
import { loadConfig, type PcgdConfig } from '../../config.js';
import type { ListedReport, ReportsPage } from '../../reporting/pcgd/list.js';
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
export function reportLine(unitCode: string, r: ListedReport, late?: Late): string {
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
  if (late) {
    const sent = late.state === 'submitted';
    vi.push(
      `TRỄ HẠN: ${sent ? 'gửi từ ngày hết hạn trở đi' : 'quá hạn mà chưa gửi'} (hạn: trước ngày ${late.submitBefore})`,
    );
    en.push(
      `LATE: ${sent ? 'submitted on or after its deadline' : 'past its deadline, not submitted'} (due before ${late.submitBefore})`,
    );
  }
  return both(vi.join(', '), en.join(', '));
}

/** A version that missed its unit's deadline: submitted on or after it, or (the current one) past it unsubmitted. */
type Late = { state: 'submitted' | 'late'; submitBefore: string };

/**
 * Whether a version missed its deadline (walk11 W11-4: the list said "receipted, submitted 2026-12-07" of a report two
 * months late, while the API, the dashboard and the demo said late), by the deadlines' one rule
 * (src/reporting/pcgd/deadlines.ts deadlineStanding), this version judged alone.
 */
async function lateOf(cal: PcgdConfig['calendar'], now: Date) {
  const { deadlineStanding } = await import('../../reporting/pcgd/deadlines.js');
  return (unitCode: string, r: ListedReport): Late | undefined => {
    const level = unitCode.length === 5 ? 'commune' : 'province';
    const held = {
      ...{ status: r.status, submittedAt: r.submittedAt === null ? null : new Date(r.submittedAt) },
      ...{ deliveryError: null, deliveryNotBefore: null },
    };
    const s = deadlineStanding(cal, r.year, level, held, now);
    if (s.submittedLate) return { state: 'submitted', submitBefore: s.submitBefore };
    if (s.state === 'late' && !r.superseded) return { state: 'late', submitBefore: s.submitBefore };
    return undefined;
  };
}

/** The page's lines: how many, one line a version, where the next page starts. */
function printPage(out: CliOutput, p: ReportsPage, late: Awaited<ReturnType<typeof lateOf>>): void {
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
  for (const r of p.items) out.stdout(`  ${reportLine(p.unitCode, r, late(p.unitCode, r))}\n`);
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
      const { withDb } = await import('../../ops.js');
      const { listReports } = await import('../../reporting/pcgd/list.js');
      const page = { limit: o.limit ?? 50, offset: o.offset ?? 0 };
      const late = await lateOf(config.pcgd.calendar, new Date());
      await withDb(config, async (db) => {
        for (const unitCode of unitCodes) {
          const p = await listReports(db, unitCode, o.year ?? null, page);
          if (o.json) out.stdout(`${JSON.stringify(p)}\n`);
          else printPage(out, p, late);
        }
      });
      return 0;
    },
  );
