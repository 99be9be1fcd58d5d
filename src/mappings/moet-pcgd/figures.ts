/**
 * Canonical annual figures (src/canonical/pcgd-figures.ts) ⇄ the moet-pcgd figures submission
 * (indicator rows with rates). Indicator codes on both sides are OURS: no official list of PCGD-XMC
 * report forms was found (DOMAIN.md §2.5). Each code names one quantity of Decree 20/2014 (thresholds
 * in DOMAIN.md §1.1) for one cohort.
 */
import type { FiguresSubmission, IndicatorCode, IndicatorRowWire } from '../../adapters/moet-pcgd/schema.js';
import {
  rateOf,
  type CanonicalFigures,
  type FigureIndicator,
  type FigureIndicatorCode,
  type UnitLevel,
} from '../../canonical/pcgd-figures.js';
import { AppError } from '../../errors.js';
import { finding, result } from '../common.js';
import type { EntityMapping, MapContext, MappingFinding, MapResult } from '../types.js';

/** Canonical code → wire indicator and age group. `ageGroup` absent: province-only commune counts. */
export const FIGURE_INDICATORS = {
  // PCGD mầm non 5 tuổi (Decree 20/2014 Đ6)
  preschool5_attending: { indicator: 'PCMN5_DI_HOC', ageGroup: '5' },
  preschool5_completed: { indicator: 'PCMN5_HOAN_THANH', ageGroup: '5' },
  // PCGD tiểu học mức 1–3 (Đ9–11): grade-1 entry at 6; completion at 14 (level 1) or 11 (levels 2–3)
  primary_grade1_entry_age6: { indicator: 'PCTH_VAO_LOP_1', ageGroup: '6' },
  primary_completed_age11: { indicator: 'PCTH_HOAN_THANH', ageGroup: '11' },
  primary_completed_age14: { indicator: 'PCTH_HOAN_THANH', ageGroup: '14' },
  // PCGD THCS mức 1–3 (Đ14–16): diploma at 15–18; studying THPT / GDTX / vocational at 15–18 (level 3)
  lower_secondary_diploma_age15_18: { indicator: 'PCTHCS_TOT_NGHIEP', ageGroup: '15-18' },
  lower_secondary_continuing_age15_18: { indicator: 'PCTHCS_HOC_TIEP', ageGroup: '15-18' },
  // XMC mức 1–2 (Đ20–21): ĐBKK communes use the narrower cohorts 15–25 (level 1) and 15–35 (level 2)
  literacy_level1_age15_25: { indicator: 'XMC_MUC_1', ageGroup: '15-25' },
  literacy_level1_age15_35: { indicator: 'XMC_MUC_1', ageGroup: '15-35' },
  literacy_level2_age15_35: { indicator: 'XMC_MUC_2', ageGroup: '15-35' },
  literacy_level2_age15_60: { indicator: 'XMC_MUC_2', ageGroup: '15-60' },
  // Province only: communes meeting each standard / all communes
  communes_meeting_preschool5: { indicator: 'XA_DAT_PCMN5' },
  communes_meeting_primary_level1: { indicator: 'XA_DAT_PCTH_MUC_1' },
  communes_meeting_primary_level2: { indicator: 'XA_DAT_PCTH_MUC_2' },
  communes_meeting_primary_level3: { indicator: 'XA_DAT_PCTH_MUC_3' },
  communes_meeting_lower_secondary_level1: { indicator: 'XA_DAT_PCTHCS_MUC_1' },
  communes_meeting_lower_secondary_level2: { indicator: 'XA_DAT_PCTHCS_MUC_2' },
  communes_meeting_lower_secondary_level3: { indicator: 'XA_DAT_PCTHCS_MUC_3' },
  communes_meeting_literacy_level1: { indicator: 'XA_DAT_XMC_MUC_1' },
  communes_meeting_literacy_level2: { indicator: 'XA_DAT_XMC_MUC_2' },
} as const satisfies Record<FigureIndicatorCode, { indicator: IndicatorCode; ageGroup?: string }>;

export type { CanonicalFigures, FigureIndicator, FigureIndicatorCode, UnitLevel };

const BY_WIRE = new Map<string, FigureIndicatorCode>(
  Object.entries(FIGURE_INDICATORS).map(([code, w]) => [
    wireKey(w.indicator, 'ageGroup' in w ? w.ageGroup : undefined),
    code as FigureIndicatorCode,
  ]),
);

function wireKey(indicator: string, ageGroup: string | undefined): string {
  return `${indicator}|${ageGroup ?? ''}`;
}

const f = {
  unknownIndicator: (p: string) =>
    finding(p, 'MAP_UNKNOWN_CODE', 'Mã chỉ tiêu không có trong danh mục.', 'Indicator code not in the list.'),
  badCount: (p: string) =>
    finding(p, 'MAP_INVALID_VALUE', 'Phải là số nguyên không âm.', 'Must be a non-negative integer.'),
  numeratorTooLarge: (p: string) =>
    finding(
      p,
      'MAP_INVALID_VALUE',
      'Tử số lớn hơn mẫu số.',
      'The numerator is greater than the denominator.',
    ),
  duplicate: (p: string) => finding(p, 'MAP_DUPLICATE', 'Chỉ tiêu bị lặp.', 'The indicator is repeated.'),
  provinceOnly: (p: string) =>
    finding(
      p,
      'MAP_INVALID_VALUE',
      'Chỉ tiêu chỉ dành cho cấp tỉnh.',
      'This indicator is for provinces only.',
    ),
  unitLevel: (p: string) =>
    finding(
      p,
      'MAP_INVALID_VALUE',
      'Mã đơn vị không khớp cấp đơn vị (xã: 5 chữ số, tỉnh: 2 chữ số).',
      'The unit code does not match the unit level (commune: 5 digits, province: 2 digits).',
    ),
  rateMismatch: (p: string) =>
    finding(
      p,
      'MAP_RATE_MISMATCH',
      'Tỷ lệ không khớp tử số/mẫu số.',
      'The rate does not match the counts.',
      'warning',
    ),
};

const isCount = (n: number) => Number.isInteger(n) && n >= 0;
const UNIT_PATTERN: Record<UnitLevel, RegExp> = { commune: /^\d{5}$/, province: /^\d{2}$/ };

function countFindings(numerator: number, denominator: number, at: string): MappingFinding[] {
  if (!isCount(numerator)) return [f.badCount(`${at}/numerator`)];
  if (!isCount(denominator)) return [f.badCount(`${at}/denominator`)];
  return numerator > denominator ? [f.numeratorTooLarge(`${at}/numerator`)] : [];
}

function rowOf(ind: FigureIndicator): IndicatorRowWire {
  const w = FIGURE_INDICATORS[ind.code];
  const row: IndicatorRowWire = {
    indicator: w.indicator,
    numerator: ind.numerator,
    denominator: ind.denominator,
    rate: rateOf(ind.numerator, ind.denominator),
  };
  if ('ageGroup' in w) row.ageGroup = w.ageGroup;
  return row;
}

/** Canonical figures → wire submission, with findings (unknown codes, bad counts, level mismatches). */
export function figuresToWire(figures: CanonicalFigures): MapResult<FiguresSubmission> {
  const findings: MappingFinding[] = [];
  if (!UNIT_PATTERN[figures.unitLevel].test(figures.unitCode)) findings.push(f.unitLevel('/unitCode'));
  const seen = new Set<string>();
  const rows: IndicatorRowWire[] = [];
  figures.indicators.forEach((ind, i) => {
    const at = `/indicators/${i}`;
    const w = (FIGURE_INDICATORS as Record<string, { indicator: IndicatorCode; ageGroup?: string }>)[
      ind.code
    ];
    if (w === undefined) return void findings.push(f.unknownIndicator(`${at}/code`));
    if (w.ageGroup === undefined && figures.unitLevel !== 'province')
      findings.push(f.provinceOnly(`${at}/code`));
    if (seen.has(ind.code)) findings.push(f.duplicate(`${at}/code`));
    seen.add(ind.code);
    findings.push(...countFindings(ind.numerator, ind.denominator, at));
    rows.push(rowOf(ind));
  });
  const submission = { unitCode: figures.unitCode, year: figures.year, body: { indicators: rows } };
  return result(submission, findings);
}

/** Wire submission (e.g. a read-back) → canonical figures; unknown indicator/age pairs are findings. */
export function figuresToCanonical(wire: FiguresSubmission, _ctx?: MapContext): MapResult<CanonicalFigures> {
  const findings: MappingFinding[] = [];
  const unitLevel: UnitLevel = wire.unitCode.length === 2 ? 'province' : 'commune';
  if (!UNIT_PATTERN[unitLevel].test(wire.unitCode)) findings.push(f.unitLevel('/unitCode'));
  const indicators: FigureIndicator[] = [];
  wire.body.indicators.forEach((row, i) => {
    const at = `/body/indicators/${i}`;
    const code = BY_WIRE.get(wireKey(row.indicator, row.ageGroup));
    if (code === undefined) return void findings.push(f.unknownIndicator(`${at}/indicator`));
    findings.push(...countFindings(row.numerator, row.denominator, at));
    // The rate is derived; a disagreeing one is reported, the counts win.
    const expected = rateOf(row.numerator, row.denominator);
    if (expected === null ? row.rate !== null : row.rate === null || Math.abs(row.rate - expected) > 0.01) {
      findings.push(f.rateMismatch(`${at}/rate`));
    }
    indicators.push({ code, numerator: row.numerator, denominator: row.denominator });
  });
  return result({ unitCode: wire.unitCode, unitLevel, year: wire.year, indicators }, findings);
}

/** Canonical → wire for the push job; throws ERR_MAPPING_INVALID when the figures have error findings. */
export function figuresFromCanonical(figures: CanonicalFigures, _ctx?: MapContext): FiguresSubmission {
  const out = figuresToWire(figures);
  if (out.ok) return out.value;
  throw new AppError(
    'ERR_MAPPING_INVALID',
    'moet-pcgd figures: ' + out.findings.map((x) => `${x.pointer} ${x.rule}`).join(', '),
    {
      errors: out.findings.map((x) => ({ pointer: x.pointer, rule: x.rule, message: x.en })),
    },
  );
}

/** The figures mapping of moet-pcgd. */
export const moetPcgdFiguresMapping: EntityMapping<FiguresSubmission, CanonicalFigures> = {
  version: 'moet-pcgd/figures@1',
  toCanonical: figuresToCanonical,
  fromCanonical: figuresFromCanonical,
};
