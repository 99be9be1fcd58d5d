/**
 * Findings from outside the catalogue: the mappings report wire-format, schema and mapping problems
 * with codes of their own (`WIRE_…`, `SCHEMA_…`, `MAP_…`); here they become `Finding`s like every
 * other, filed under the category their code names.
 */
import type { MappingFinding } from '../mappings/types.js';
import { ruleByCode } from './catalogue.js';
import type { Category, Finding } from './types.js';

const BY_PREFIX: ReadonlyMap<string, Category> = new Map([
  ['DUNG', 'dung'],
  ['DU', 'du'],
  ['SACH', 'sach'],
  ['SONG', 'song'],
  ['TENANCY', 'tenancy'],
  ['WIRE', 'schema'],
  ['SCHEMA', 'schema'],
  ['MAP', 'mapping'],
]);

/**
 * The category of a rule code: a catalogued rule's own; otherwise read from the code's prefix
 * (DUNG_ → dung, DU_ → du, SACH_ → sach, SONG_ → song, TENANCY_ → tenancy, WIRE_ and SCHEMA_ → schema),
 * and `mapping` for the mappings' own codes.
 */
export function categoryOf(code: string): Category {
  const rule = ruleByCode(code);
  if (rule) return rule.criterion;
  const underscore = code.indexOf('_');
  return BY_PREFIX.get(underscore < 0 ? code : code.slice(0, underscore)) ?? 'mapping';
}

/**
 * A finding about record `index` reported by code outside the engine (a mapping, an ad-hoc check):
 * filed under its code's category, with the catalogue's hint when the code is catalogued.
 */
export function findingOf(index: number, f: MappingFinding): Finding {
  const rule = ruleByCode(f.rule);
  return {
    index,
    rule: f.rule,
    criterion: categoryOf(f.rule),
    severity: f.severity,
    pointer: f.pointer,
    vi: f.vi,
    en: f.en,
    hintVi: rule?.hint.vi ?? '',
    hintEn: rule?.hint.en ?? '',
  };
}
