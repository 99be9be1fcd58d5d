/**
 * Step 4 of the demo (issue 10): one commune's PCGD-XMC figures through their whole life over the
 * real API — computed from the pulled survey persons (queued), approved (signed, locked), submitted
 * (the worker delivers them to the simulated Ministry system), and the Ministry's receipt printed.
 * The simulator's calendar is set inside the commune window of the working year, so the demo works
 * on any day of the year.
 */
import { vietnamTimeOf } from '../canonical/school-year.js';
import { countEn } from '../config.js';
import { both } from '../errors.js';
import { levelLabel } from '../reporting/pcgd/levels.js';
import { workingYearAt } from '../reporting/pcgd/persons-year.js';
import { REPORT_STATUS_VI } from '../reporting/pcgd/status-words.js';
import type { DemoActors } from './actors.js';
import { json, postForStatus, waitForStatus, type AuthHeaders } from './http.js';
import type { DemoStack } from './stack.js';

interface ReportStatus {
  reportId: number;
  status: string;
  persons: number;
  levels: Array<{ level: string; met: boolean }>;
  receipt: { receiptId: string; receivedAt: string; checksum: string } | null;
  /** The unit's deadline (the day it is due before) and whether it was missed (GET /v1/pcgd/reports/{id}). */
  submitBefore?: string;
  late?: boolean;
  submittedAt?: string | null;
}

export interface PcgdStepResult {
  ok: boolean;
  unitCode: string;
  year: number;
  report?: ReportStatus;
}

async function post(base: string, path: string, headers: AuthHeaders): Promise<unknown> {
  return json(await fetch(`${base}${path}`, { method: 'POST', headers }));
}

/**
 * The year the demo reports: the PCGD-XMC working year open at `now` on Vietnam's calendar (from `opensOn`, 1
 * September), the deadlines' default year and the simulated Ministry's (pcgd12: by the UTC month, from 17:00 UTC on 31
 * August, 1 September in Vietnam, the demo reported last year while the Ministry had opened this one).
 */
export const demoReportYear = (now: Date, opensOn: string): number => workingYearAt(now, opensOn);

export async function runPcgdStep(stack: DemoStack, { auth, communes }: DemoActors): Promise<PcgdStepResult> {
  const year = demoReportYear(new Date(), stack.deps.config.pcgd.calendar.opensOn);
  stack.sims.moetPcgd.setToday(() => new Date(`${year}-09-20T03:00:00Z`));
  const unitCode = communes[0]!;
  const { base } = stack;
  const url = await postForStatus(`${base}/v1/pcgd/reports`, auth.admin, { unitCode, year });
  let report = await waitForStatus<ReportStatus>(
    base,
    url,
    auth.admin,
    (s) => !['pending'].includes(s.status),
  );
  if (report.status !== 'checked') return { ok: false, unitCode, year, report };
  await post(base, `${url}/approve`, auth.admin);
  await post(base, `${url}/submit`, auth.admin);
  report = await waitForStatus<ReportStatus>(base, url, auth.admin, (s) => s.status === 'receipted');
  return { ok: report.receipt !== null, unitCode, year, report };
}

/** The lines the demo prints for this step: each `vi / en` (`both`), a URL on a line of its own. */
export function pcgdLines(r: PcgdStepResult, base: string): string[] {
  const rep = r.report;
  const unit = { vi: `xã ${r.unitCode}, năm ${r.year}`, en: `commune ${r.unitCode}, year ${r.year}` };
  if (!rep) return [`  ${both(`PCGD-XMC: ${unit.vi}: không có báo cáo`, `PCGD-XMC: ${unit.en}: no report`)}`];
  // Each level by its name in each language (fix30b: the codes, `literacy_level1`, in the Vietnamese half too).
  const met = rep.levels.filter((l) => l.met).map((l) => levelLabel(l.level));
  const status = Object.hasOwn(REPORT_STATUS_VI, rep.status) ? REPORT_STATUS_VI[rep.status] : rep.status;
  const lines = [
    `  ${both(
      `PCGD-XMC: ${unit.vi}: đếm ${rep.persons} người, báo cáo ${rep.reportId} ${status}`,
      `PCGD-XMC: ${unit.en}: ${countEn(rep.persons, 'person')} counted, report ${rep.reportId} ${rep.status}`,
    )}`,
    `    ${both(
      `mức đạt: ${met.length > 0 ? met.map((l) => l.vi).join('; ') : 'không có'}`,
      `levels met: ${met.length > 0 ? met.map((l) => l.en).join('; ') : 'none'}`,
    )}`,
  ];
  if (rep.receipt) {
    const { receiptId, receivedAt, checksum } = rep.receipt;
    const at = vietnamTimeOf(new Date(receivedAt));
    const sum = `${checksum.slice(0, 19)}…`;
    lines.push(
      `    ${both(
        `biên nhận của Bộ ${receiptId} lúc ${at} (${sum})`,
        `Ministry receipt ${receiptId} at ${at} (${sum})`,
      )}`,
      `    ${both(
        'gói đã ký (và .p7s, certificate.pem, forms.xlsx, forms.pdf):',
        'signed package (and .p7s, certificate.pem, forms.xlsx, forms.pdf):',
      )}`,
      `      ${base}/v1/pcgd/reports/${rep.reportId}/package`,
    );
  }
  // walk10 W10-11: the receipt's time is the simulated Ministry's clock; truc submitted today, after the deadline
  if (rep.late && rep.submittedAt && rep.submitBefore) {
    const at = vietnamTimeOf(new Date(rep.submittedAt));
    lines.push(
      `    ${both(
        `nộp trễ hạn: hạn là trước ngày ${rep.submitBefore}, truc nộp lúc ${at} (giờ trên biên nhận là đồng hồ của Bộ mô phỏng)`,
        `submitted late: due before ${rep.submitBefore}, truc submitted it at ${at} (the receipt's time is the simulated Ministry's clock)`,
      )}`,
    );
  }
  return lines;
}
