/**
 * The report lifecycle: compute (a new version every time; see compute.ts), approve (build, sign and
 * store the evidence package; the figures lock), reopen (a higher level's correction: the old version
 * is kept, a new one is computed), and the submission and receipt steps. Every step is audited in the
 * transaction of its effects.
 */
import { appendAudit } from '../../audit/chain.js';
import { communesOfProvince } from '../../canonical/codes/admin-units.js';
import { refusePersonalNumber } from '../../canonical/free-text.js';
import type { PcgdConfig } from '../../config.js';
import { AppError, both, isAppError } from '../../errors.js';
import type { AuditEvent } from '../../store/audit-log.js';
import type { Db, Queryable } from '../../store/db.js';
import { createPcgdRepo, type ReportRow } from '../../store/pcgd.js';
import { computeFigures, LOCKED_STATUSES, ruleSetDoc } from './compute.js';
import { REPORT_STATUS_VI, reportStatusWords } from './status-words.js';
import { ruleSetOf } from './rule-set.js';
import { withdrawnSources } from './sources.js';
import { unitOf } from './unit.js';
import { passes } from './validate.js';
import { checkReportYear } from './years.js';

export const NEWER_VERSION = both('đã có phiên bản mới hơn', 'a newer version exists');

/** An unknown report's detail (ERR_NOT_FOUND), as `truc pcgd` and the API name it. */
export const noReport = (id: number) => both(`không có báo cáo ${id}`, `no report ${id}`);
const ONLY_APPROVED_REOPENED = both(
  'chỉ mở lại số liệu đã duyệt trở đi',
  'only approved or later figures are reopened',
);
/** A province report whose communes' approved figures were reopened since it was computed (review34b F1). */
export const sourcesWithdrawn = (communes: readonly string[], signed?: 'signed') =>
  signed
    ? both(
        `số liệu đã duyệt của xã ${communes.join(', ')} đã được mở lại hoặc thay sau khi báo cáo tỉnh này được duyệt: hãy tính lại báo cáo tỉnh`,
        `the approved figures of commune(s) ${communes.join(', ')} were reopened or replaced after this province report was approved: compute the province report again`,
      )
    : both(
        `số liệu đã duyệt của xã ${communes.join(', ')} đã được mở lại hoặc thay sau khi tính báo cáo tỉnh này: hãy tính lại báo cáo tỉnh`,
        `the approved figures of commune(s) ${communes.join(', ')} were reopened or replaced after this province report was computed: compute the province report again`,
      );
/** The reason a computation of an outdated province report supersedes it with, kept in its row and the audit log. */
const outdatedReason = (communes: readonly string[]) =>
  both(
    `số liệu của xã ${communes.join(', ')} đã được thay: tính lại báo cáo tỉnh`,
    `the figures of commune(s) ${communes.join(', ')} were replaced: the province report computed again`,
  );
/**
 * A computation refused by the unit's locked version (pcgd14: the 409 said only "a higher level must reopen them",
 * not which version nor how): that version, and who reopens it, by which request; the reopen computes the new version.
 */
const lockedBy = (r: Pick<ReportRow, 'id' | 'version' | 'unit_code' | 'unit_level' | 'year' | 'status'>) => {
  const [whoVi, whoEn] =
    r.unit_level === 'commune'
      ? ['cán bộ PCGD của tỉnh hoặc quản trị thành phố', "the province's PCGD officer or a city admin"]
      : ['quản trị thành phố', 'a city admin'];
  const reopen = `POST /v1/pcgd/reports/${r.id}/reopen`;
  return both(
    `báo cáo ${r.id} (phiên bản ${r.version}) của đơn vị ${r.unit_code} năm ${r.year} đang ở trạng thái ` +
      `${REPORT_STATUS_VI[r.status] ?? r.status}: ${whoVi} mở lại để sửa (${reopen}, kèm lý do), ` +
      'việc mở lại tự tính phiên bản mới',
    `report ${r.id} (version ${r.version}) of unit ${r.unit_code}, year ${r.year}, is ${r.status}: ${whoEn} ` +
      `reopens it for a correction (${reopen} with a reason), which computes the new version`,
  );
};
/** ERR_PCGD_NO_PERSONS's detail before a computation: what to pull, and where (pcgd14 left: it named no route). */
const noStoredPersons = (unit: string, level: 'commune' | 'province') =>
  level === 'commune'
    ? both(
        `chưa có người nào của xã ${unit}: kéo dữ liệu điều tra bằng POST /v1/pcgd/communes/${unit}/persons-pull, ` +
          `đợi đến khi GET cùng địa chỉ trả personsPulling false, rồi tính lại`,
        `no stored persons for commune ${unit}: pull its survey persons with POST /v1/pcgd/communes/${unit}/persons-pull, ` +
          `wait until GET on the same URL answers personsPulling false, then compute again`,
      )
    : both(
        `chưa có người nào của xã nào thuộc tỉnh ${unit}: kéo dữ liệu điều tra của từng xã bằng ` +
          `POST /v1/pcgd/communes/{mã xã}/persons-pull, rồi tính lại`,
        `no stored persons for any commune of province ${unit}: pull each commune's survey persons with ` +
          `POST /v1/pcgd/communes/{communeCode}/persons-pull, then compute again`,
      );

export interface PcgdDeps {
  db: Db;
  pcgd: PcgdConfig;
  /** Where generated keys live when `pcgd.signing.dir` is unset. */
  dataDir: string;
  /** The clock each step's audit entry is stamped with (deps.now). */
  now: () => Date;
}

/** The version of a report a step is about. */
type ReportRef = Pick<ReportRow, 'id' | 'unit_code' | 'year' | 'version'>;

/** The audit event of one step of a report version: the unit, year and version, then `extra`. */
export function stepEvent(
  actor: string,
  action: AuditEvent['action'],
  report: ReportRef,
  extra: NonNullable<AuditEvent['details']> = {},
): AuditEvent {
  const head = { unitCode: report.unit_code, year: report.year, version: report.version };
  return { actor, action, subject: `pcgd-report:${report.id}`, details: { ...head, ...extra } };
}

/** The audit event of a reopen: the version superseded (`oldId`) and the one asked for in its place. */
const reopenedEvent = (
  req: Pick<ComputeRequest, 'actor' | 'unitCode' | 'year'>,
  oldId: number,
  newReportId: number,
  reason: string,
): AuditEvent => ({
  actor: req.actor,
  action: 'pcgd.reopened',
  subject: `pcgd-report:${oldId}`,
  details: { unitCode: req.unitCode, year: req.year, newReportId, reason },
});

/** What asking for a computation needs: who asks, and for a reopen, why. */
export interface ComputeRequest {
  unitCode: string;
  year: number;
  actor: string;
  reopen?: { reason: string };
}

/**
 * Asks for a new version of a unit's report, in the caller's transaction (the API adds the compute
 * job's outbox row in the same one): checks that persons were pulled for the unit, supersedes the
 * current version — refused when it is approved or later, unless this is a reopen —, and inserts the
 * new version as `pending`. Audited. Returns the new version's id.
 */
export async function requestCompute(
  deps: Pick<PcgdDeps, 'pcgd' | 'now'>,
  q: Queryable,
  req: ComputeRequest,
): Promise<{ id: number; version: number }> {
  const unit = unitOf(req.unitCode);
  checkReportYear(req.year, 'compute', deps.now(), '/body/year'); // a year not begun has no figures
  const rules = ruleSetOf(deps.pcgd, req.year);
  const repo = createPcgdRepo(q);
  const communes =
    unit.level === 'commune' ? [req.unitCode] : communesOfProvince(req.unitCode).map((c) => c.code);
  if ((await repo.communesWithPersons(communes)).length === 0)
    throw new AppError('ERR_PCGD_NO_PERSONS', noStoredPersons(req.unitCode, unit.level));
  await repo.lockUnitYear(req.unitCode, req.year); // one request at a time: the next sees this one's version
  const current = await repo.current(req.unitCode, req.year, true);
  const locked = current && LOCKED_STATUSES.includes(current.status);
  // A locked province report outdated by a commune's correction is computed again by its officer (fix35e): the
  // correction replaced what it was signed on, so it is reopened for that reason, no higher level needed.
  const outdated = locked && !req.reopen ? await withdrawnSources(q, current) : [];
  if (outdated.length > 0) req = { ...req, reopen: { reason: outdatedReason(outdated) } };
  if (current && locked && !req.reopen) throw new AppError('ERR_PCGD_REPORT_LOCKED', lockedBy(current));
  if (req.reopen && !locked) throw new AppError('ERR_PCGD_INVALID_TRANSITION', ONLY_APPROVED_REOPENED);
  const at = deps.now();
  if (current)
    await repo.supersede(
      current.id,
      at,
      req.reopen ? { by: req.actor, reason: req.reopen.reason } : undefined,
    );
  const created = await repo.insertReport(
    {
      unitCode: req.unitCode,
      unitLevel: unit.level,
      year: req.year,
      ruleSet: ruleSetDoc(rules),
      computedBy: req.actor,
      supersedes: current?.id ?? null,
    },
    at,
  );
  await appendAudit(
    q,
    [
      ...(req.reopen && current ? [reopenedEvent(req, current.id, created.id, req.reopen.reason)] : []),
      stepEvent(
        req.actor,
        'pcgd.compute-requested',
        { ...created, unit_code: req.unitCode, year: req.year },
        { ruleSet: rules.version },
      ),
    ],
    at,
  );
  return created;
}

/**
 * Computes a `pending` version from the persons already pulled (the compute job's work). Idempotent:
 * a version no longer pending, or superseded meanwhile, is left as it is (returns undefined). A
 * failure that retrying cannot mend (no persons any more) marks the version `failed` with its code
 * and is rethrown.
 */
export async function runCompute(deps: PcgdDeps, reportId: number): Promise<ReportRow | undefined> {
  const rules = ruleSetOf(deps.pcgd);
  try {
    return await deps.db.tx(async (q) => {
      const repo = createPcgdRepo(q);
      const row = await repo.getForUpdate(reportId);
      if (!row || row.status !== 'pending' || row.superseded_at) return undefined;
      const out = await computeFigures(q, rules, deps.pcgd, row);
      const checked = passes(out.findings);
      const at = deps.now();
      await repo.setComputed(
        row.id,
        {
          figures: out.stored,
          findings: out.findings,
          persons: out.persons,
          lineageDigest: out.digest,
          mappingVersions: out.mappingVersions,
          previousYearReportId: out.prevId,
          checked,
        },
        at,
      );
      await appendAudit(
        q,
        [
          stepEvent(row.computed_by, 'pcgd.computed', row, {
            persons: out.persons,
            status: checked ? 'checked' : 'computed',
            ruleSet: rules.version,
            settingsDigest: rules.settingsDigest,
            lineageDigest: out.digest,
            errors: out.findings.filter((x) => x.severity === 'error').length,
            warnings: out.findings.filter((x) => x.severity === 'warning').length,
          }),
        ],
        at,
      );
      return (await repo.get(row.id))!;
    });
  } catch (err) {
    if (isAppError(err) && !err.retryable) {
      await deps.db.tx(async (q) => {
        const repo = createPcgdRepo(q);
        const row = await repo.getForUpdate(reportId);
        if (!row || row.status !== 'pending') return;
        await repo.markFailed(reportId, err.code);
        await appendAudit(
          q,
          [stepEvent(row.computed_by, 'pcgd.compute-failed', row, { code: err.code })],
          deps.now(),
        );
      });
    }
    throw err;
  }
}

/**
 * Computes a new version of a unit's report for a year at once (request + compute, as the CLI and
 * tests do; the API queues the computation instead). See {@link requestCompute}.
 */
export async function computeReport(deps: PcgdDeps, req: ComputeRequest): Promise<ReportRow> {
  return computedAtOnce(deps, (q) => requestCompute(deps, q, req));
}

/** A version asked for by `request` (in a transaction of its own), computed at once: the CLI's and tests' way. */
async function computedAtOnce(
  deps: PcgdDeps,
  request: (q: Queryable) => Promise<{ id: number }>,
): Promise<ReportRow> {
  const { id } = await deps.db.tx(request);
  const row = await runCompute(deps, id);
  if (!row)
    throw new AppError(
      'ERR_PCGD_INVALID_TRANSITION',
      both(`báo cáo ${id} không còn chờ tính`, `report ${id} is no longer pending`),
    );
  return row;
}

/**
 * A higher level's correction, in the caller's transaction: supersedes the current, approved (or
 * later) version, which is kept with its evidence, and asks for a new one (`pending`). A reason holding a personal
 * ID or a phone number is refused first (kept for good in the audit log: ERR_FREE_TEXT_PERSONAL_DATA, review33b).
 */
export async function requestReopen(
  deps: Pick<PcgdDeps, 'pcgd' | 'now'>,
  q: Queryable,
  req: { reportId: number; actor: string; reason: string },
): Promise<{ id: number; version: number }> {
  refusePersonalNumber(req.reason, 'reason');
  const repo = createPcgdRepo(q);
  const seen = await repo.get(req.reportId);
  if (!seen) throw new AppError('ERR_NOT_FOUND', noReport(req.reportId));
  // Read again under the unit's year lock: a reopen that won a race just now superseded it (review33b F5: the
  // loser was told the report had never been approved).
  await repo.lockUnitYear(seen.unit_code, seen.year);
  const row = (await repo.get(req.reportId)) ?? seen;
  if (row.superseded_at) throw new AppError('ERR_PCGD_INVALID_TRANSITION', NEWER_VERSION);
  return requestCompute(deps, q, {
    unitCode: row.unit_code,
    year: row.year,
    actor: req.actor,
    reopen: { reason: req.reason },
  });
}

/** A higher level's correction computed at once (CLI, tests); see {@link requestReopen}. */
export async function reopenReport(
  deps: PcgdDeps,
  req: { reportId: number; actor: string; reason: string },
): Promise<ReportRow> {
  return computedAtOnce(deps, (q) => requestReopen(deps, q, req));
}

/**
 * Asks for an approved version to be delivered to the Ministry, in the caller's transaction (the API
 * adds the submit job's outbox row in the same one): `approved → submitted`, audited. A version
 * already submitted or receipted is left as it is (`queued: false`), so asking twice sends once.
 */
export async function requestSubmit(
  q: Queryable,
  req: { reportId: number; actor: string; at: Date },
): Promise<{ row: ReportRow; queued: boolean }> {
  const repo = createPcgdRepo(q);
  const row = await repo.getForUpdate(req.reportId);
  if (!row) throw new AppError('ERR_NOT_FOUND', noReport(req.reportId));
  if (row.superseded_at) throw new AppError('ERR_PCGD_INVALID_TRANSITION', NEWER_VERSION);
  // Asking twice sends once; but a delivery that failed for good (refused, out of attempts) is sent again
  // (review29 F2): the version's idempotency key makes the Ministry see it once at most.
  if (row.status === 'submitted' && (await repo.resubmit(row.id, req.actor, req.at))) {
    await appendAudit(
      q,
      [stepEvent(req.actor, 'pcgd.resubmitted', row, { after: row.delivery_error })],
      req.at,
    );
    return { row: (await repo.get(row.id))!, queued: true };
  }
  if (row.status === 'submitted' || row.status === 'receipted') return { row, queued: false };
  if (row.status !== 'approved')
    throw new AppError('ERR_PCGD_INVALID_TRANSITION', both(...reportStatusWords(row.id, row.status)));
  const withdrawn = row.unit_level === 'province' ? await withdrawnSources(q, row) : [];
  if (withdrawn.length > 0)
    throw new AppError('ERR_PCGD_INVALID_TRANSITION', sourcesWithdrawn(withdrawn, 'signed'));
  await repo.markSubmitted(row.id, req.actor, req.at);
  await appendAudit(q, [stepEvent(req.actor, 'pcgd.submitted', row)], req.at);
  return { row: (await repo.get(row.id))!, queued: true };
}

/** The Ministry's receipt of a delivered version: `submitted → receipted`, audited. False when already stored. */
export async function storeReceipt(
  q: Queryable,
  reportId: number,
  receipt: { receiptId: string; receivedAt: string; checksum: string; replayed: boolean },
  at: Date,
): Promise<boolean> {
  const repo = createPcgdRepo(q);
  const moved = await repo.markReceipted(reportId, receipt, at);
  if (!moved) return false;
  await repo.recordDelivery(reportId, { error: null, notBefore: null });
  const row = (await repo.get(reportId))!;
  await appendAudit(
    q,
    [
      stepEvent('system:pcgd-submit', 'pcgd.receipted', row, {
        receiptId: receipt.receiptId,
        checksum: receipt.checksum,
        replayed: receipt.replayed,
      }),
    ],
    at,
  );
  return true;
}
