/**
 * The report lifecycle: compute (counts from the store → figures, levels, findings; a new version
 * every time), approve (build, sign and store the evidence package; the figures lock), reopen (a
 * higher level's correction: the old version is kept, a new one is computed), and the submission
 * and receipt steps. Every step is audited in the transaction of its effects.
 */
import { join } from 'node:path';
import { appendAudit } from '../../audit/chain.js';
import { getCommune, getProvince, communesOfProvince } from '../../canonical/codes/admin-units.js';
import type { PcgdConfig } from '../../config.js';
import { AppError, isAppError } from '../../errors.js';
import type { Db, Queryable } from '../../store/db.js';
import {
  createPcgdRepo,
  ENROLMENT_FLAGS,
  flagBit,
  type AgeRow,
  type CountingOptions,
  type ReportRow,
  type ReportStatus,
} from '../../store/pcgd.js';
import {
  communeFigures,
  provinceFigures,
  sumAges,
  type CommuneFigures,
  type IndicatorFigure,
  type ProvinceFigures,
} from './evaluate.js';
import {
  LINEAGE_ALGORITHM,
  PACKAGE_FORMAT,
  packageBytes,
  sha256Hex,
  type EvidencePackage,
} from './package.js';
import { difficultCommunesOf, resolveRuleSet, settingsOf, type RuleSet } from './rule-set.js';
import { loadUnitSigner, signDetached, type UnitSigner } from './signing.js';
import { checkCommune, passes, type EnrolmentCounts, type PcgdFinding } from './validate.js';
import { canonicalJson } from '../../audit/chain.js';

/** Student statuses that count as enrolled (in a class this school year). */
export const ENROLLED_STATUSES = ['studying', 'transferred_in', 'returned', 'repeating'] as const;

export interface PcgdDeps {
  db: Db;
  pcgd: PcgdConfig;
  /** Where generated keys live when `pcgd.signing.dir` is unset. */
  dataDir: string;
}

export type UnitLevel = 'commune' | 'province';

/** Unit level of a current unit code, or ERR_PCGD_UNKNOWN_UNIT. */
export function unitOf(unitCode: string): { level: UnitLevel; name: string; provinceCode: string } {
  if (/^\d{5}$/.test(unitCode)) {
    const c = getCommune(unitCode);
    if (c) return { level: 'commune', name: c.name, provinceCode: c.provinceCode };
  } else if (/^\d{2}$/.test(unitCode)) {
    const p = getProvince(unitCode);
    if (p) return { level: 'province', name: p.name, provinceCode: p.code };
  }
  throw new AppError(
    'ERR_PCGD_UNKNOWN_UNIT',
    `unit ${unitCode.slice(0, 12)} is not a current commune or province`,
  );
}

export function ruleSetOf(cfg: PcgdConfig): RuleSet {
  return resolveRuleSet(settingsOf(cfg));
}

function countingOptions(rules: RuleSet, year: number): CountingOptions {
  return {
    year,
    ageRule: rules.settings.ageRule,
    ageOnDate: rules.settings.ageOnDate,
    excludeDisabled: rules.settings.excludeDisabledFromDenominators,
    schoolYear: `${year}-${year + 1}`,
    activeStatuses: ENROLLED_STATUSES,
  };
}

const toCounts = (rows: readonly AgeRow[]) =>
  rows.map((r) => ({ age: r.age, population: r.population, flags: r.flags }));

function enrolmentOf(rows: readonly AgeRow[]) {
  const e: EnrolmentCounts = {
    inClassNotEnrolled: 0,
    enrolledNotInClass: 0,
    unmatchable: 0,
    matchedByName: 0,
  };
  for (const r of rows) for (const k of Object.keys(e) as (keyof typeof e)[]) e[k] += r.enrolment[k];
  return e;
}

/** What the figures column holds. */
export interface StoredFigures {
  difficult?: boolean;
  population: number;
  ages: Record<string, number>;
  indicators: IndicatorFigure[];
  levels: ProvinceFigures['levels'] | CommuneFigures['levels'];
  communes?: CommuneFigures[];
  enrolment: EnrolmentCounts;
  /** Enrolment mismatches per commune (a province report; a commune report has only its own). */
  enrolmentByCommune?: Record<string, EnrolmentCounts>;
  lineage: Record<string, string>;
}

export type { EnrolmentCounts };

function ruleSetDoc(rules: RuleSet) {
  return {
    version: rules.version,
    settingsDigest: rules.settingsDigest,
    settings: rules.settings,
    unverified: rules.unverified,
  };
}

async function previousFigures(q: Queryable, unitCode: string, year: number) {
  const prev = await createPcgdRepo(q).latestApproved(unitCode, year - 1);
  return prev ? { id: prev.id, figures: prev.figures as StoredFigures } : undefined;
}

async function computeCommune(
  q: Queryable,
  rules: RuleSet,
  cfg: PcgdConfig,
  id: number,
  unitCode: string,
  year: number,
) {
  const repo = createPcgdRepo(q);
  const rows = await repo.writeLineage(id, countingOptions(rules, year), unitCode);
  if (rows.length === 0)
    throw new AppError('ERR_PCGD_NO_PERSONS', `no counted persons in commune ${unitCode}`);
  const difficult = difficultCommunesOf(cfg, year).has(unitCode);
  const figures = communeFigures(rules, unitCode, toCounts(rows), difficult);
  const prev = await previousFigures(q, unitCode, year);
  const enrolment = enrolmentOf(rows);
  const findings: PcgdFinding[] = [
    ...checkCommune(rules, cfg.validation, {
      figures,
      enrolment,
      previous: prev ? { ages: prev.figures.ages, indicators: prev.figures.indicators } : undefined,
    }),
  ];
  const lineage = await repo.lineageDigests(
    id,
    rules.indicators.map((d) => ({ key: d.code, ages: d.ages, numeratorBit: flagBit(d.numerator) })),
  );
  const stored: StoredFigures = {
    difficult,
    population: figures.population,
    ages: figures.ages,
    indicators: figures.indicators,
    levels: figures.levels,
    enrolment,
    lineage,
  };
  const mappingVersions = await repo.mappingVersions([unitCode]);
  return {
    stored,
    findings,
    persons: figures.population,
    digest: lineage.all ?? '',
    mappingVersions,
    prevId: prev?.id ?? null,
  };
}

async function computeProvince(
  q: Queryable,
  rules: RuleSet,
  cfg: PcgdConfig,
  unitCode: string,
  year: number,
) {
  const repo = createPcgdRepo(q);
  const communes = communesOfProvince(unitCode).map((c) => c.code);
  const rows = await repo.ageCounts(countingOptions(rules, year), communes);
  if (rows.length === 0)
    throw new AppError('ERR_PCGD_NO_PERSONS', `no counted persons in province ${unitCode}`);
  const difficult = difficultCommunesOf(cfg, year);
  const byCommune = new Map<string, AgeRow[]>();
  for (const r of rows) byCommune.set(r.communeCode, [...(byCommune.get(r.communeCode) ?? []), r]);
  const prev = await previousFigures(q, unitCode, year);
  const prevCommunes = new Map((prev?.figures.communes ?? []).map((c) => [c.communeCode, c]));
  const findings: PcgdFinding[] = [];
  const communeFigs: CommuneFigures[] = [];
  const enrolmentByCommune: Record<string, EnrolmentCounts> = {};
  for (const [code, list] of [...byCommune].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const figs = communeFigures(rules, code, toCounts(list), difficult.has(code));
    communeFigs.push(figs);
    const p = prevCommunes.get(code);
    enrolmentByCommune[code] = enrolmentOf(list);
    findings.push(
      ...checkCommune(rules, cfg.validation, {
        figures: figs,
        enrolment: enrolmentByCommune[code],
        previous: p ? { ages: p.ages, indicators: p.indicators } : undefined,
      }),
    );
  }
  const province = provinceFigures(rules, unitCode, communeFigs, sumAges(toCounts(rows)));
  // Lineage of a province figure = the communes behind it: digest of each commune's figures.
  const lineage: Record<string, string> = {
    all: sha256Hex(Buffer.from(canonicalJson(communeFigs))),
    ...Object.fromEntries(communeFigs.map((c) => [c.communeCode, sha256Hex(Buffer.from(canonicalJson(c)))])),
  };
  const stored: StoredFigures = {
    population: province.population,
    ages: province.ages,
    indicators: province.indicators,
    levels: province.levels,
    communes: communeFigs,
    enrolment: enrolmentOf(rows),
    enrolmentByCommune,
    lineage,
  };
  const mappingVersions = await repo.mappingVersions([...byCommune.keys()]);
  return {
    stored,
    findings,
    persons: province.population,
    digest: lineage.all!,
    mappingVersions,
    prevId: prev?.id ?? null,
  };
}

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
  deps: Pick<PcgdDeps, 'pcgd'>,
  q: Queryable,
  req: ComputeRequest,
): Promise<{ id: number; version: number }> {
  const unit = unitOf(req.unitCode);
  const rules = ruleSetOf(deps.pcgd);
  const repo = createPcgdRepo(q);
  const communes =
    unit.level === 'commune' ? [req.unitCode] : communesOfProvince(req.unitCode).map((c) => c.code);
  if ((await repo.communesWithPersons(communes)).length === 0)
    throw new AppError('ERR_PCGD_NO_PERSONS', `no stored persons for unit ${req.unitCode}`);
  const current = await repo.current(req.unitCode, req.year, true);
  const locked = current && LOCKED_STATUSES.includes(current.status);
  if (locked && !req.reopen) throw new AppError('ERR_PCGD_REPORT_LOCKED');
  if (req.reopen && !locked)
    throw new AppError('ERR_PCGD_INVALID_TRANSITION', 'only approved or later figures are reopened');
  if (current)
    await repo.supersede(current.id, req.reopen ? { by: req.actor, reason: req.reopen.reason } : undefined);
  const created = await repo.insertReport({
    unitCode: req.unitCode,
    unitLevel: unit.level,
    year: req.year,
    ruleSet: ruleSetDoc(rules),
    computedBy: req.actor,
    supersedes: current?.id ?? null,
  });
  await appendAudit(q, [
    ...(req.reopen && current
      ? [
          {
            actor: req.actor,
            action: 'pcgd.reopened',
            subject: `pcgd-report:${current.id}`,
            details: {
              unitCode: req.unitCode,
              year: req.year,
              newReportId: created.id,
              reason: req.reopen.reason,
            },
          },
        ]
      : []),
    {
      actor: req.actor,
      action: 'pcgd.compute-requested',
      subject: `pcgd-report:${created.id}`,
      details: { unitCode: req.unitCode, year: req.year, version: created.version, ruleSet: rules.version },
    },
  ]);
  return created;
}

/** Statuses whose figures are locked: only a reopen by a higher level makes a new version. */
export const LOCKED_STATUSES: readonly ReportStatus[] = ['approved', 'submitted', 'receipted'];

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
      const out =
        row.unit_level === 'commune'
          ? await computeCommune(q, rules, deps.pcgd, row.id, row.unit_code, row.year)
          : await computeProvince(q, rules, deps.pcgd, row.unit_code, row.year);
      const checked = passes(out.findings);
      await repo.setComputed(row.id, {
        figures: out.stored,
        findings: out.findings,
        persons: out.persons,
        lineageDigest: out.digest,
        mappingVersions: out.mappingVersions,
        previousYearReportId: out.prevId,
        checked,
      });
      await appendAudit(q, [
        {
          actor: row.computed_by,
          action: 'pcgd.computed',
          subject: `pcgd-report:${row.id}`,
          details: {
            unitCode: row.unit_code,
            year: row.year,
            version: row.version,
            persons: out.persons,
            status: checked ? 'checked' : 'computed',
            ruleSet: rules.version,
            settingsDigest: rules.settingsDigest,
            lineageDigest: out.digest,
            errors: out.findings.filter((x) => x.severity === 'error').length,
            warnings: out.findings.filter((x) => x.severity === 'warning').length,
          },
        },
      ]);
      return (await repo.get(row.id))!;
    });
  } catch (err) {
    if (isAppError(err) && !err.retryable) {
      await deps.db.tx(async (q) => {
        const repo = createPcgdRepo(q);
        const row = await repo.getForUpdate(reportId);
        if (!row || row.status !== 'pending') return;
        await repo.markFailed(reportId, err.code);
        await appendAudit(q, [
          {
            actor: row.computed_by,
            action: 'pcgd.compute-failed',
            subject: `pcgd-report:${reportId}`,
            details: { unitCode: row.unit_code, year: row.year, version: row.version, code: err.code },
          },
        ]);
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
  const { id } = await deps.db.tx((q) => requestCompute(deps, q, req));
  const row = await runCompute(deps, id);
  if (!row) throw new AppError('ERR_PCGD_INVALID_TRANSITION', `report ${id} is no longer pending`);
  return row;
}

/**
 * A higher level's correction, in the caller's transaction: supersedes the current, approved (or
 * later) version, which is kept with its evidence, and asks for a new one (`pending`).
 */
export async function requestReopen(
  deps: Pick<PcgdDeps, 'pcgd'>,
  q: Queryable,
  req: { reportId: number; actor: string; reason: string },
): Promise<{ id: number; version: number }> {
  const row = await createPcgdRepo(q).get(req.reportId);
  if (!row) throw new AppError('ERR_NOT_FOUND');
  if (row.superseded_at) throw new AppError('ERR_PCGD_INVALID_TRANSITION', 'a newer version exists');
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
  const { id } = await deps.db.tx((q) => requestReopen(deps, q, req));
  const row = await runCompute(deps, id);
  if (!row) throw new AppError('ERR_PCGD_INVALID_TRANSITION', `report ${id} is no longer pending`);
  return row;
}

/**
 * Asks for an approved version to be delivered to the Ministry, in the caller's transaction (the API
 * adds the submit job's outbox row in the same one): `approved → submitted`, audited. A version
 * already submitted or receipted is left as it is (`queued: false`), so asking twice sends once.
 */
export async function requestSubmit(
  q: Queryable,
  req: { reportId: number; actor: string },
): Promise<{ row: ReportRow; queued: boolean }> {
  const repo = createPcgdRepo(q);
  const row = await repo.getForUpdate(req.reportId);
  if (!row) throw new AppError('ERR_NOT_FOUND');
  if (row.superseded_at) throw new AppError('ERR_PCGD_INVALID_TRANSITION', 'a newer version exists');
  if (row.status === 'submitted' || row.status === 'receipted') return { row, queued: false };
  if (row.status !== 'approved')
    throw new AppError('ERR_PCGD_INVALID_TRANSITION', `report is ${row.status}, not approved`);
  await repo.markSubmitted(row.id, req.actor);
  await appendAudit(q, [
    {
      actor: req.actor,
      action: 'pcgd.submitted',
      subject: `pcgd-report:${row.id}`,
      details: { unitCode: row.unit_code, year: row.year, version: row.version },
    },
  ]);
  return { row: (await repo.get(row.id))!, queued: true };
}

/** The Ministry's receipt of a delivered version: `submitted → receipted`, audited. False when already stored. */
export async function storeReceipt(
  q: Queryable,
  reportId: number,
  receipt: { receiptId: string; receivedAt: string; checksum: string; replayed: boolean },
): Promise<boolean> {
  const repo = createPcgdRepo(q);
  const moved = await repo.markReceipted(reportId, receipt);
  if (!moved) return false;
  await repo.recordDelivery(reportId, { error: null, notBefore: null });
  const row = (await repo.get(reportId))!;
  await appendAudit(q, [
    {
      actor: 'system:pcgd-submit',
      action: 'pcgd.receipted',
      subject: `pcgd-report:${reportId}`,
      details: {
        unitCode: row.unit_code,
        year: row.year,
        version: row.version,
        receiptId: receipt.receiptId,
        checksum: receipt.checksum,
        replayed: receipt.replayed,
      },
    },
  ]);
  return true;
}

/** The evidence package of a report about to be approved. */
export function buildPackage(row: ReportRow, approvedBy: string, approvedAt: Date): EvidencePackage {
  const f = row.figures as StoredFigures;
  const unit = unitOf(row.unit_code);
  const rs = row.rule_set as ReturnType<typeof ruleSetDoc>;
  return {
    format: PACKAGE_FORMAT,
    report: {
      reportId: row.id,
      unitCode: row.unit_code,
      unitLevel: row.unit_level,
      unitName: unit.name,
      year: row.year,
      version: row.version,
      ...(f.difficult !== undefined ? { difficult: f.difficult } : {}),
      computedAt: row.computed_at.toISOString(),
      approvedBy,
      approvedAt: approvedAt.toISOString(),
    },
    ruleSet: {
      version: rs.version,
      settingsDigest: rs.settingsDigest,
      settings: rs.settings as unknown as Record<string, unknown>,
      unverified: rs.unverified as unknown as EvidencePackage['ruleSet']['unverified'],
    },
    mappingVersions: row.mapping_versions,
    persons: row.persons,
    indicators: f.indicators,
    levels: f.levels as EvidencePackage['levels'],
    ...(f.communes
      ? {
          communes: f.communes.map((c) => ({
            communeCode: c.communeCode,
            difficult: c.difficult,
            population: c.population,
            indicators: c.indicators,
            levels: c.levels.map((l) => ({ level: l.level, met: l.met })),
          })),
        }
      : {}),
    findings: row.findings as EvidencePackage['findings'],
    lineage: { algorithm: LINEAGE_ALGORITHM, digests: f.lineage },
  };
}

const signers = new Map<string, Promise<UnitSigner>>();

/** The unit's signer (loaded once per process and settings). */
export function signerFor(deps: PcgdDeps, unitCode: string): Promise<UnitSigner> {
  const s = deps.pcgd.signing;
  const dir = s.dir ?? join(deps.dataDir, 'pcgd-keys');
  const key = `${s.mode}|${dir}|${unitCode}`;
  let p = signers.get(key);
  if (!p) {
    p = loadUnitSigner(
      { mode: s.mode, dir, pkcs12Password: s.pkcs12Password, organisation: s.organisation },
      unitCode,
    );
    p.catch(() => signers.delete(key));
    signers.set(key, p);
  }
  return p;
}

/** Approves a checked report: builds and signs its package, stores the evidence; the figures lock. */
export async function approveReport(
  deps: PcgdDeps,
  req: { reportId: number; actor: string },
): Promise<ReportRow> {
  const pre = await createPcgdRepo(deps.db).get(req.reportId);
  if (!pre) throw new AppError('ERR_NOT_FOUND');
  const signer = await signerFor(deps, pre.unit_code);
  return deps.db.tx(async (q) => {
    const repo = createPcgdRepo(q);
    const row = await repo.getForUpdate(req.reportId);
    if (!row) throw new AppError('ERR_NOT_FOUND');
    if (row.superseded_at) throw new AppError('ERR_PCGD_INVALID_TRANSITION', 'a newer version exists');
    if (row.status === 'computed') throw new AppError('ERR_PCGD_CHECK_FAILED');
    if (row.status !== 'checked')
      throw new AppError('ERR_PCGD_INVALID_TRANSITION', `report is ${row.status}`);
    const at = new Date();
    const bytes = packageBytes(buildPackage(row, req.actor, at));
    const signature = await signDetached(bytes, signer, at);
    await repo.approve(row.id, req.actor);
    await repo.insertEvidence({
      report_id: row.id,
      package: bytes,
      package_sha256: sha256Hex(bytes),
      signature,
      signer_subject: signer.subject,
      signer_certificate: signer.certificatePem,
    });
    await appendAudit(q, [
      {
        actor: req.actor,
        action: 'pcgd.approved',
        subject: `pcgd-report:${row.id}`,
        details: {
          unitCode: row.unit_code,
          year: row.year,
          version: row.version,
          packageSha256: sha256Hex(bytes),
          signer: signer.subject,
        },
      },
    ]);
    return (await repo.get(row.id))!;
  });
}

/** Enrolment mismatches per commune of a report (a commune report: its own counts). */
export function enrolmentMismatches(row: ReportRow): Array<EnrolmentCounts & { communeCode: string }> {
  const f = row.figures as Partial<StoredFigures>;
  if (f.enrolmentByCommune)
    return Object.entries(f.enrolmentByCommune)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([communeCode, c]) => ({ communeCode, ...c }));
  return f.enrolment ? [{ communeCode: row.unit_code, ...f.enrolment }] : [];
}

/** The API view of a report (GET /v1/pcgd/reports/{id}); a pending or failed version has no figures yet. */
export function reportView(row: ReportRow) {
  const f = row.figures as Partial<StoredFigures>;
  const rs = row.rule_set as ReturnType<typeof ruleSetDoc>;
  return {
    reportId: row.id,
    unitCode: row.unit_code,
    unitLevel: row.unit_level,
    year: row.year,
    version: row.version,
    status: row.status,
    errorCode: row.error_code ?? null,
    superseded: row.superseded_at !== null,
    supersedes: row.supersedes,
    difficult: f.difficult ?? null,
    ruleSet: { version: rs.version, settingsDigest: rs.settingsDigest, unverified: [...rs.unverified] },
    mappingVersions: row.mapping_versions,
    persons: row.persons,
    indicators: f.indicators ?? [],
    levels: f.levels ?? [],
    communes: f.communes?.map((c) => ({
      communeCode: c.communeCode,
      difficult: c.difficult,
      population: c.population,
      levels: c.levels.map((l) => ({ level: l.level, met: l.met })),
    })),
    enrolment: f.enrolment ?? null,
    findings: row.findings as PcgdFinding[],
    lineageDigest: row.lineage_digest,
    computedAt: row.computed_at.toISOString(),
    approvedBy: row.approved_by,
    approvedAt: row.approved_at?.toISOString() ?? null,
    submittedAt: row.submitted_at?.toISOString() ?? null,
    receiptedAt: row.receipted_at?.toISOString() ?? null,
    receipt: row.receipt ?? null,
    reopenReason: row.reopen_reason,
    delivery: {
      attempts: row.delivery_attempts ?? 0,
      lastError: row.delivery_error ?? null,
      notBefore: row.delivery_not_before?.toISOString() ?? null,
    },
  };
}

/** Bits that select a figure's persons in the lineage (for the records endpoint). */
export function lineageSelection(code: string, rules: RuleSet) {
  const def = rules.indicators.find((d) => d.code === code);
  if (def) return { ages: def.ages, requiredBit: 0, numeratorBit: flagBit(def.numerator) };
  const enrol = ENROLMENT_FLAGS[code as keyof typeof ENROLMENT_FLAGS];
  if (enrol !== undefined) return { ages: [0, 32_767] as const, requiredBit: enrol, numeratorBit: enrol };
  return undefined;
}
