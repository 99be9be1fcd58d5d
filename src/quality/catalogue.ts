/**
 * The rule catalogue: every rule of the four criteria, its stable code, default severity, messages
 * and version. Codes are a public contract (vendors filter on them): never renamed, never reused —
 * a rule that goes away moves to RETIRED_CODES. `docs/quality-rules.md` is generated from here.
 */
import { DU_CHECKS, DU_RULES } from './rules/du.js';
import { DUNG_CHECKS, DUNG_RULES } from './rules/dung.js';
import type { Check } from './rules/define.js';
import { SACH_CHECKS, SACH_RULES } from './rules/sach.js';
import { SONG_CHECKS, SONG_RULES } from './rules/song.js';
import { TENANCY_CHECKS, TENANCY_RULES } from './rules/tenancy.js';
import type { EntityName } from '../canonical/entities.js';
import type { QualityPolicy } from './config.js';
import type { Category, RuleInfo } from './types.js';

/** Version of the catalogue as a whole: bumped when a rule is added, retired or changes version. */
export const CATALOGUE_VERSION = '2025.7';

/** Every rule of the four criteria (đúng, đủ, sạch, sống), in catalogue order: what scorecards score. */
export const RULES: readonly RuleInfo[] = Object.freeze([
  ...DUNG_RULES,
  ...DU_RULES,
  ...SACH_RULES,
  ...SONG_RULES,
]);

/** The gate's rules: tenancy (a vendor writes only its own school's records). Not scored. */
export const GATE_RULES: readonly RuleInfo[] = Object.freeze([...TENANCY_RULES]);

/** Codes of rules that no longer exist; never to be used again. */
export const RETIRED_CODES: readonly string[] = Object.freeze([]);

/** The checks that report the rules of scope record, batch and store (input rules are reported by `prepare`). */
export const CHECKS: readonly Check[] = Object.freeze([
  ...DUNG_CHECKS,
  ...DU_CHECKS,
  ...SACH_CHECKS,
  ...SONG_CHECKS,
]);

/** What the ingest runs on a batch: the tenancy gate, then the checks of the four criteria. */
export const INGEST_CHECKS: readonly Check[] = Object.freeze([...TENANCY_CHECKS, ...CHECKS]);

const PREFIX: Readonly<Record<Category, string>> = {
  dung: 'DUNG_',
  du: 'DU_',
  sach: 'SACH_',
  song: 'SONG_',
  tenancy: 'TENANCY_',
  mapping: 'MAP_',
  schema: 'SCHEMA_',
};

const BY_CODE: ReadonlyMap<string, RuleInfo> = new Map([...RULES, ...GATE_RULES].map((r) => [r.code, r]));

/** The rule (of the criteria or the gate) with this code, or undefined. */
export function ruleByCode(code: string): RuleInfo | undefined {
  return BY_CODE.get(code);
}

/**
 * Problems with the catalogue (empty when sound): duplicate or retired codes, a code whose prefix is
 * not its criterion's, a check reporting a rule that is not catalogued, a non-input rule no check reports.
 */
export function catalogueProblems(
  rules: readonly RuleInfo[] = [...RULES, ...GATE_RULES],
  checks: readonly Check[] = INGEST_CHECKS,
  retired = RETIRED_CODES,
): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.code)) problems.push(`${r.code}: duplicate code`);
    seen.add(r.code);
    if (retired.includes(r.code)) problems.push(`${r.code}: retired code reused`);
    if (!r.code.startsWith(PREFIX[r.criterion]))
      problems.push(`${r.code}: prefix is not ${PREFIX[r.criterion]}`);
  }
  const reported = new Set<string>();
  for (const c of checks) {
    for (const r of c.rules) {
      reported.add(r.code);
      if (!seen.has(r.code)) problems.push(`${r.code}: reported by a check but not catalogued`);
    }
  }
  for (const r of rules) {
    if (r.scope !== 'input' && !reported.has(r.code)) problems.push(`${r.code}: no check reports it`);
  }
  return problems;
}

/**
 * Problems with the city's policy (empty when sound), one line each in Vietnamese and English: a code
 * that is not in the catalogue (or retired), a rule named for an entity it does not apply to.
 */
export function policyProblems(policy: QualityPolicy): string[] {
  const problems: string[] = [];
  for (const [entity, rules] of Object.entries(policy)) {
    for (const code of Object.keys(rules ?? {})) {
      const where = `quality.policy.${entity}.${code}`;
      const r = BY_CODE.get(code);
      if (!r) problems.push(`${where}: không có quy tắc này / no such rule`);
      else if (entity !== '*' && !r.entities.includes(entity as EntityName))
        problems.push(`${where}: quy tắc không áp dụng cho ${entity} / the rule does not apply to ${entity}`);
    }
  }
  return problems;
}
