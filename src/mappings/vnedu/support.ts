/**
 * Readers of vnEdu's numbers (`./dialect.ts` uses them): numeric codes with findings, the school year as
 * its starting year. The system-neutral readers live in `../school-system.ts`. Pure.
 */
import { finding, missingField, unknownCode } from '../common.js';
import { resolveCode, type CodeList } from '../../canonical/codes/code-list.js';
import type { MapContext, MappingFinding } from '../types.js';
import { textOf } from '../common.js';
import { MAX_YEAR, MIN_YEAR } from '../../canonical/primitives.js';

/** The starting years `school_year` may hold (the canonical school years' range). */
export const VNEDU_START_YEARS = { minimum: MIN_YEAR, maximum: MAX_YEAR - 1 } as const;

/** An integer code from a wire value (number, or digits as text from a loosely typed push), else undefined. */
function intOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  const text = textOf(value);
  return text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Resolves a vnEdu numeric code through `table` (text that is not a number, e.g. 'Nam' or 'M' in a loosely
 * typed push, through the canonical `aliases` list when given). Absent → undefined (an error when required); not in the
 * table → `MAP_UNKNOWN_CODE`, an error when required, a warning (value dropped) when optional.
 */
export function numericCodeOf<C extends string>(
  value: unknown,
  pointer: string,
  findings: MappingFinding[],
  opts: { table: ReadonlyMap<number, C>; list: string; required: boolean; aliases?: CodeList<C> },
): C | undefined {
  if (value === undefined || value === null || textOf(value) === undefined) {
    if (opts.required) findings.push(missingField(pointer));
    return undefined;
  }
  const n = intOf(value);
  const code = n === undefined ? opts.aliases && resolveCode(opts.aliases, textOf(value)) : opts.table.get(n);
  if (code === undefined) {
    const f = unknownCode(pointer, opts.list);
    findings.push(opts.required ? f : { ...f, severity: 'warning' });
  }
  return code;
}

/** `school_year` 2025 → '2025-2026'; absent → `ctx.schoolYear`; not a plausible year → error. */
export function schoolYearOfStart(
  value: unknown,
  pointer: string,
  ctx: MapContext,
  findings: MappingFinding[],
): string | undefined {
  if (value === undefined || value === null) {
    if (ctx.schoolYear === undefined) findings.push(missingField(pointer));
    return ctx.schoolYear;
  }
  const year = intOf(value);
  if (year === undefined || year < VNEDU_START_YEARS.minimum || year > VNEDU_START_YEARS.maximum) {
    findings.push(
      finding(
        pointer,
        'MAP_BAD_SCHOOL_YEAR',
        'Năm học không hợp lệ (năm bắt đầu, ví dụ 2025).',
        'Not a valid school year (its starting year, e.g. 2025).',
      ),
    );
    return undefined;
  }
  return `${year}-${year + 1}`;
}

/** Both directions of a numeric code table. */
export function numericBimap<C extends string>(pairs: ReadonlyArray<readonly [number, C]>) {
  return {
    toCode: new Map<number, C>(pairs),
    toWire: new Map<C, number>(pairs.map(([n, c]) => [c, n])),
  };
}
