/**
 * The deadline view (issue 10): every unit of a province for a report year — its communes (due before
 * `pcgd.calendar.communeSubmitBefore`, 3 October) and the province (before `provinceSubmitBefore`,
 * 10 October), local dates in Asia/Ho_Chi_Minh — with the status of its current report and where it
 * stands: `submitted` (delivered or handed to the delivery queue; `submittedLate` when on or after the
 * deadline), `late` (deadline passed, not submitted), `at-risk` (not submitted and at most
 * `atRiskDays` days left), `on-track`. A submitted report whose delivery failed for good (the Ministry
 * refused it, its window closed, or it ran out of attempts: {@link deliveryFailed}) is not submitted: the
 * Ministry holds nothing (review29 F1). A submitted report whose delivery waits after a failed attempt (the Ministry
 * congested: 429 Retry-After, unreachable) stays `submitted` (handed over in time) but its row says the Ministry does
 * not hold it yet: `deliveryError` the error met, `deliveryNotBefore` the next try (review31 F3). Each commune's row also says when its survey persons were last pulled and
 * whether a pull is under way (fix30a: ./persons-pulled.ts), what its officer reads before computing. A province's row
 * says when its report is `outdated` (./sources.ts: a commune it took figures from was replaced since).
 */
import {
  adminUnitName,
  communesOfProvince,
  getProvince,
  HCMC_PROVINCE_CODE,
} from '../../canonical/codes/admin-units.js';
import type { PcgdConfig, UnitLevel } from '../../config.js';
import { AppError, both } from '../../errors.js';
import type { Queryable } from '../../store/db.js';
import { createPcgdRepo, type ReportRow, type ReportStatus } from '../../store/pcgd.js';
import { readableUnits, requireUnit, type PcgdActor } from './access.js';
import { NOT_PULLED, pullStatesOf, type PersonsPullState } from './persons-pulled.js';
import { outdatedAmong } from './sources.js';
import { unitOf } from './unit.js';

export type DeadlineState = 'submitted' | 'on-track' | 'at-risk' | 'late';

/**
 * Units per state, and `submittedLate`: of the `submitted`, those submitted on or after their deadline (walk2 F7, the
 * lead's rule: a unit submitted after its deadline counts as submitted and is shown as submitted late; `late` alone is
 * past the deadline and not submitted).
 */
export type DeadlineCounts = Record<DeadlineState, number> & { submittedLate: number };

export interface DeadlineRow extends PersonsPullState {
  unitCode: string;
  unitLevel: UnitLevel;
  unitName: string;
  /** Exclusive deadline, local date `YYYY-MM-DD`. */
  submitBefore: string;
  /** Whole days from today (local) to the deadline; 0 or less = due today is past. */
  daysLeft: number;
  reportId: number | null;
  version: number | null;
  status: ReportStatus | 'none';
  state: DeadlineState;
  submittedAt: string | null;
  receiptedAt: string | null;
  submittedLate: boolean;
  /**
   * The error code of the last delivery attempt of a submitted report the Ministry does not hold: failed for good
   * (state is then not `submitted`) or waiting for its next try (`deliveryNotBefore`); else null.
   */
  deliveryError: string | null;
  /** When a delivery waiting after a failed attempt is tried next (ISO), else null (review31 F3). */
  deliveryNotBefore: string | null;
  /** The year's first submission the Ministry receipted, of any version (ISO), else null (fix35e). */
  firstSubmittedAt: string | null;
  /** Receipted once (on time or late), then reopened: the correction (the current version) is not submitted yet (fix35e, W5-1). */
  correctionPending: boolean;
  /**
   * A province report whose figures came from commune versions replaced since (reopened or approved again): compute it
   * again before the Ministry gets old figures (fix35e's `outdated`, shown where officers look: fix36a item 3).
   */
  outdated: boolean;
  /** The communes it took its figures from that were replaced since (as the report's `outdatedCommunes`). */
  outdatedCommunes: string[];
}

/** What {@link deadlineStanding} reads of a unit's current report. */
export interface ReportStanding {
  status: ReportStatus;
  submittedAt: Date | null;
  deliveryError: string | null;
  deliveryNotBefore: Date | null;
  /**
   * The year's first submission of the unit the Ministry receipted, of any version (one replaced since by a
   * correction too): lateness is judged by it (fix35e); undefined or null: none.
   */
  firstSubmittedAt?: Date | null;
}

/**
 * Whether a report's delivery failed for good: `submitted`, its last delivery ended with an error and no next
 * attempt is planned (a refusal, a closed window past the deadline, out of attempts: ../../jobs/pcgd-submit.ts
 * records those with no `notBefore`). Submitting it again queues the delivery once more (./lifecycle.ts).
 */
export const deliveryFailed = (
  r: Pick<ReportStanding, 'status' | 'deliveryError' | 'deliveryNotBefore'>,
): boolean => r.status === 'submitted' && Boolean(r.deliveryError) && !r.deliveryNotBefore;

/**
 * What a unit's row says of its delivery (the one rule, the deadlines' and the overview's): the last attempt's error
 * while the report is `submitted` (failed for good, or waiting for its next try) and when the next try is.
 */
export const deliveryShown = (
  r: Pick<ReportStanding, 'status' | 'deliveryError' | 'deliveryNotBefore'> | undefined,
): { deliveryError: string | null; deliveryNotBefore: string | null } => {
  const error = r?.status === 'submitted' ? (r.deliveryError ?? null) : null;
  return {
    deliveryError: error,
    deliveryNotBefore: error && r?.deliveryNotBefore ? r.deliveryNotBefore.toISOString() : null,
  };
};

const VN_OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 86_400_000;
const localDate = (at: Date): string => new Date(at.getTime() + VN_OFFSET_MS).toISOString().slice(0, 10);
const dayNumber = (iso: string): number => Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);

/** Where a unit stands: {@link deadlineStanding}. */
export interface Standing {
  submitBefore: string;
  daysLeft: number;
  state: DeadlineState;
  submittedLate: boolean;
  /** It missed its deadline: `late` (not submitted, past it) or submitted late. */
  late: boolean;
  /** state = 'at-risk'. */
  atRisk: boolean;
  /** Receipted once (on time or late), its correction not submitted yet: {@link deadlineStanding}. */
  correctionPending: boolean;
}

/**
 * Where a unit stands at `now` (the one rule, also the operations overview's and the metrics'): its exclusive
 * deadline, whole days left (local calendar days), its state and whether its report was submitted on or after the
 * deadline. Lateness is judged by the year's first submission the Ministry receipted (fix35e; the circulars set the
 * deadline and say nothing of corrections: truc's choice): a unit whose first receipted submission was before its
 * deadline met it, so when a higher level reopens its figures it stays `submitted`, never `late` nor
 * `submittedLate` (also when the correction is submitted after the deadline), with `correctionPending` until the
 * correction is submitted. A unit whose first receipted submission was on or after its deadline stays `submitted`
 * and `submittedLate` while a correction is pending (the Ministry holds its figures: walk5 W5-1), never `late`.
 */
export function deadlineStanding(
  cal: PcgdConfig['calendar'],
  year: number,
  level: UnitLevel,
  report: ReportStanding | undefined,
  now: Date,
): Standing {
  const submitBefore = `${year}-${level === 'commune' ? cal.communeSubmitBefore : cal.provinceSubmitBefore}`;
  const daysLeft = dayNumber(submitBefore) - dayNumber(localDate(now));
  const sent = report?.status === 'receipted' || (report?.status === 'submitted' && !deliveryFailed(report));
  const first = report?.firstSubmittedAt ?? null;
  // The Ministry holds a version of the year (walk5 W5-1: a first receipt after the deadline was forgotten as soon as
  // a correction was pending, and the unit read `late`, "not submitted", though the Ministry held its figures).
  const heldOnce = first !== null;
  const metOnce = heldOnce && localDate(first) < submitBefore;
  const state: DeadlineState =
    sent || heldOnce
      ? 'submitted'
      : daysLeft <= 0
        ? 'late'
        : daysLeft <= cal.atRiskDays
          ? 'at-risk'
          : 'on-track';
  const submittedLate = heldOnce
    ? !metOnce
    : sent && report?.submittedAt
      ? localDate(report.submittedAt) >= submitBefore
      : false;
  return {
    submitBefore,
    daysLeft,
    state,
    submittedLate,
    late: state === 'late' || submittedLate,
    atRisk: state === 'at-risk',
    correctionPending: heldOnce && !sent,
  };
}

/**
 * A report's deadline and whether its unit missed it (walk9 W9-4: approve, submit and GET /v1/pcgd/reports/{id} said
 * nothing of it), by {@link deadlineStanding}, GET /v1/pcgd/deadlines' one rule: `submitBefore` (exclusive, local date)
 * and `late` (past it and not submitted, or submitted on or after it).
 */
export async function reportDeadline(
  q: Queryable,
  cal: PcgdConfig['calendar'],
  row: ReportRow,
  now: Date,
): Promise<RowDeadline> {
  const first = (await createPcgdRepo(q).firstReceiptedSubmissions(row.year)).get(row.unit_code) ?? null;
  return rowDeadline(cal, row, first, now);
}

/** A report's `submitBefore` and `late`, {@link reportDeadline}'s, its unit's first receipted submission of the year given. */
export type RowDeadline = { submitBefore: string; late: boolean };
export function rowDeadline(
  cal: PcgdConfig['calendar'],
  row: ReportRow,
  firstSubmittedAt: Date | null,
  now: Date,
): RowDeadline {
  const held = {
    status: row.status,
    submittedAt: row.submitted_at,
    deliveryError: row.delivery_error,
    deliveryNotBefore: row.delivery_not_before,
    firstSubmittedAt,
  };
  const standing = deadlineStanding(cal, row.year, row.unit_level, held, now);
  return { submitBefore: standing.submitBefore, late: standing.late };
}

/**
 * Every PCGD-XMC unit of the city (Thành phố Hồ Chí Minh, 79: its communes by code, then the province), each with its
 * current report of the year when it has one (`reports`; a report of a unit not on the list follows them). What the overview and the deadline
 * gauges stand, as GET /v1/pcgd/deadlines does (review33c F1: they stood only the units with a report, so a commune
 * that had not computed one was neither at risk nor late, and the overview said "at risk: 0" days before the
 * deadline while 160 communes had nothing).
 */
export function cityUnits<R extends { unitCode: string; level: UnitLevel }>(
  reports: readonly R[],
): Array<{ unitCode: string; unitName: string; level: UnitLevel; report: R | undefined }> {
  const byCode = new Map(reports.map((r) => [r.unitCode, r]));
  const province = getProvince(HCMC_PROVINCE_CODE);
  const city = [
    ...communesOfProvince(HCMC_PROVINCE_CODE).map((c) => ({
      code: c.code,
      name: c.name,
      level: 'commune' as const,
    })),
    { code: HCMC_PROVINCE_CODE, name: province?.name ?? HCMC_PROVINCE_CODE, level: 'province' as const },
  ];
  const inCity = new Set(city.map((u) => u.code));
  // an older code's name, from the units before 2025 (walk2 F6: the overview showed codes only)
  const nameOf = (code: string) => adminUnitName(code) ?? code;
  return [
    ...city.map((u) => ({ unitCode: u.code, unitName: u.name, level: u.level, report: byCode.get(u.code) })),
    // a report of a unit not on the city's list (an older code) is still counted, after the city's
    ...reports
      .filter((r) => !inCity.has(r.unitCode))
      .map((r) => ({ unitCode: r.unitCode, unitName: nameOf(r.unitCode), level: r.level, report: r })),
  ];
}

/**
 * Units of each level at risk, late (not submitted, past the deadline) and submitted late, by {@link deadlineStanding}
 * (a unit without a report: not submitted).
 */
export function standingCounts(
  cal: PcgdConfig['calendar'],
  year: number,
  units: ReadonlyArray<{ level: UnitLevel; report: ReportStanding | undefined }>,
  now: Date,
): Record<UnitLevel, { atRisk: number; late: number; submittedLate: number }> {
  const counts = {
    commune: { atRisk: 0, late: 0, submittedLate: 0 },
    province: { atRisk: 0, late: 0, submittedLate: 0 },
  };
  for (const u of units) {
    const s = deadlineStanding(cal, year, u.level, u.report, now);
    const c = counts[u.level];
    if (s.atRisk) c.atRisk += 1;
    if (s.state === 'late') c.late += 1;
    if (s.submittedLate) c.submittedLate += 1;
  }
  return counts;
}

/** One unit's row from its current report (if any) at `now`, with its persons' pulls (a commune's; fix30a). */
export function deadlineRow(
  cal: PcgdConfig['calendar'],
  year: number,
  unit: { code: string; level: UnitLevel; name: string },
  report: ReportRow | undefined,
  now: Date,
  pulled: PersonsPullState = NOT_PULLED,
  firstSubmittedAt: Date | null = null,
  outdatedCommunes: readonly string[] = [],
): DeadlineRow {
  const held = report && {
    status: report.status,
    submittedAt: report.submitted_at,
    deliveryError: report.delivery_error,
    deliveryNotBefore: report.delivery_not_before,
    firstSubmittedAt,
  };
  const standing = deadlineStanding(cal, year, unit.level, held, now);
  return {
    unitCode: unit.code,
    unitLevel: unit.level,
    unitName: unit.name,
    submitBefore: standing.submitBefore,
    daysLeft: standing.daysLeft,
    reportId: report?.id ?? null,
    version: report?.version ?? null,
    status: report?.status ?? 'none',
    state: standing.state,
    submittedAt: report?.submitted_at?.toISOString() ?? null,
    receiptedAt: report?.receipted_at?.toISOString() ?? null,
    submittedLate: standing.submittedLate,
    ...deliveryShown(held),
    firstSubmittedAt: report ? (firstSubmittedAt?.toISOString() ?? null) : null,
    correctionPending: standing.correctionPending,
    outdated: outdatedCommunes.length > 0,
    outdatedCommunes: [...outdatedCommunes],
    personsPulledAt: pulled.personsPulledAt,
    personsPulling: pulled.personsPulling,
  };
}

/** The deadline view of a province's units the actor may read, communes first (by code), then the province. */
export async function deadlineView(
  q: Queryable,
  cfg: PcgdConfig,
  req: { year: number; provinceCode: string; actor: PcgdActor; now: Date },
): Promise<{ rows: DeadlineRow[]; counts: DeadlineCounts }> {
  // A current province, else ERR_PCGD_UNKNOWN_UNIT: an old province's code says what it was merged into (pcgd13).
  const province = unitOf(req.provinceCode).level === 'province' ? getProvince(req.provinceCode) : undefined;
  if (!province) {
    const code = req.provinceCode.slice(0, 8);
    throw new AppError('ERR_PCGD_UNKNOWN_UNIT', both(`tỉnh ${code}`, `province ${code}`));
  }
  const units = [
    ...communesOfProvince(province.code).map((c) => ({
      code: c.code,
      level: 'commune' as const,
      name: c.name,
    })),
    { code: province.code, level: 'province' as const, name: province.name },
  ];
  const allowed = new Set(
    readableUnits(
      req.actor,
      units.map((u) => u.code),
    ),
  );
  // pcgd13: a province none of whose units the caller reads is refused as its reports are (403), not an empty success.
  if (allowed.size === 0) requireUnit(req.actor, 'read', province.code);
  const repo = createPcgdRepo(q);
  const currentRows = await repo.currentOfYear(req.year);
  const current = new Map(currentRows.map((r) => [r.unit_code, r]));
  const outdated = outdatedAmong(currentRows);
  const first = await repo.firstReceiptedSubmissions(req.year);
  const shown = units.filter((u) => allowed.has(u.code));
  const pulls = await pullStatesOf(
    q,
    shown.filter((u) => u.level === 'commune').map((u) => u.code),
  );
  const rows = shown.map((u) =>
    deadlineRow(
      cfg.calendar,
      req.year,
      u,
      current.get(u.code),
      req.now,
      pulls.get(u.code),
      first.get(u.code),
      outdated.get(u.code),
    ),
  );
  const counts: DeadlineCounts = { submitted: 0, 'on-track': 0, 'at-risk': 0, late: 0, submittedLate: 0 };
  for (const r of rows) {
    counts[r.state] += 1;
    if (r.submittedLate) counts.submittedLate += 1;
  }
  return { rows, counts };
}
