/**
 * What a report shows: the API view, the enrolment mismatches per commune, the lineage selection of a
 * figure, and the evidence package an approval signs.
 */
import { ENROLMENT_FLAGS, flagBit, type ReportRow } from '../../store/pcgd.js';
import type { CommuneSource, EnrolmentCounts, ruleSetDoc, StoredFigures } from './compute.js';
import type { Approver } from './approver.js';
import { LINEAGE_ALGORITHM, PACKAGE_FORMAT, type EvidencePackage } from './package.js';
import type { RuleSet } from './rule-set.js';
import type { SourcesNow } from './sources.js';
import { unitOf } from './unit.js';
import type { PcgdFinding } from './validate.js';

/** A commune's source as a province package names it: its signed report (id, version, package digest). */
const packageSource = (src: CommuneSource | null | undefined) =>
  src ? { reportId: src.reportId, version: src.version, packageSha256: src.packageSha256 } : null;

/** The evidence package of a report about to be approved. */
export function buildPackage(
  row: ReportRow,
  approvedBy: string,
  approvedAt: Date,
  approver?: Approver,
): EvidencePackage {
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
      ...(approver ? { approvedByName: approver.name, approvedByNameUnique: approver.unique } : {}),
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
            ...(f.communeSources ? { source: packageSource(f.communeSources[c.communeCode]) } : {}),
          })),
        }
      : {}),
    findings: row.findings as EvidencePackage['findings'],
    lineage: { algorithm: LINEAGE_ALGORITHM, digests: f.lineage },
  };
}

/** Enrolment mismatches per commune of a report (a commune report: its own counts). */
export function enrolmentMismatches(
  row: ReportRow,
): Array<EnrolmentCounts & { communeCode: string; communeReportId: number | null }> {
  const f = row.figures as Partial<StoredFigures>;
  if (f.enrolmentByCommune)
    return Object.entries(f.enrolmentByCommune)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([communeCode, c]) => ({
        communeCode,
        communeReportId: f.communeSources?.[communeCode]?.reportId ?? null,
        ...c,
      }));
  return f.enrolment ? [{ communeCode: row.unit_code, communeReportId: row.id, ...f.enrolment }] : [];
}

/**
 * The API view of a report (GET /v1/pcgd/reports/{id}); a pending or failed version has no figures yet. A province
 * report says, with `sources` (./sources.ts), which communes' versions it took were replaced since (`outdated`), and
 * each commune's current version. Who approved
 * by name, as its signed forms print it (`signedApproverName`: the package's `approvedByName`, fix33c; the id when the
 * package names none), the actor id beside it.
 */
export function reportView(row: ReportRow, signedApproverName?: string, sources?: SourcesNow) {
  const f = row.figures as Partial<StoredFigures>;
  const replaced = new Set(sources?.replaced ?? []);
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
      source: f.communeSources?.[c.communeCode] ?? null,
      // fix35e: the version taken may have been replaced since (it listed a replaced version as approved)
      sourceReplaced: replaced.has(c.communeCode),
      current: sources?.current.get(c.communeCode) ?? null,
    })),
    outdated: replaced.size > 0,
    outdatedCommunes: [...replaced],
    enrolment: f.enrolment ?? null,
    findings: row.findings as PcgdFinding[],
    lineageDigest: row.lineage_digest,
    computedAt: row.computed_at.toISOString(),
    approvedBy: row.approved_by === null ? null : (signedApproverName ?? row.approved_by),
    approvedById: row.approved_by,
    approvedAt: row.approved_at?.toISOString() ?? null,
    submittedAt: row.submitted_at?.toISOString() ?? null,
    receiptedAt: row.receipted_at?.toISOString() ?? null,
    receipt: row.receipt ?? null,
    reopenReason: row.reopen_reason,
    delivery: {
      attempts: row.delivery_attempts ?? 0,
      lastError: row.delivery_error ?? null,
      notBefore: row.delivery_not_before?.toISOString() ?? null,
      refusal: row.delivery_refusal ?? null,
    },
  };
}

/** Bits that select a figure's persons in the lineage (for the records endpoint). */
export function lineageSelection(code: string, rules: RuleSet) {
  const def = rules.indicators.find((d) => d.code === code);
  if (def) return { ages: def.ages, requiredBit: 0, numeratorBit: flagBit(def.numerator) };
  // Own properties only: `constructor`, `__proto__`, `toString` passed as a code were taken for a flag, a 500
  // (review33b F6).
  const enrol = Object.hasOwn(ENROLMENT_FLAGS, code)
    ? ENROLMENT_FLAGS[code as keyof typeof ENROLMENT_FLAGS]
    : undefined;
  if (enrol !== undefined) return { ages: [0, 32_767] as const, requiredBit: enrol, numeratorBit: enrol };
  return undefined;
}
