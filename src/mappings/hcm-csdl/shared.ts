/**
 * Helpers shared by the hcm-csdl mappings: code-list resolution with findings, dates, canonical
 * validation turned into findings, and the check that the wire vocabulary (`adapters/hcm-csdl/schema.ts`)
 * covers every canonical code.
 */
import type { z } from 'zod';
import type { HCM_CSDL_LABELS } from '../../adapters/hcm-csdl/schema.js';
import type { Expect } from '../../adapters/types.js';
import { asIsDraftParser, asIsParser } from '../../canonical/as-is.js';
import { resolveCode, type CodeList } from '../../canonical/codes/code-list.js';
import { issueWords } from '../../canonical/zod-text.js';
import type {
  DisabilityCode,
  Grade,
  SchoolLevel,
  SchoolStatus,
  Sex,
  StaffPosition,
  StaffStatus,
  StudentStatus,
} from '../../canonical/enums.js';
import {
  badDate,
  cleanText,
  compact,
  dmyToIso,
  finding,
  isoDate,
  missingField,
  result,
  unknownCode,
} from '../common.js';
import type { MapResult, MappingFinding } from '../types.js';

/**
 * The wire vocabulary (canonical code → wire value) lives with the wire schema; it must cover every
 * canonical code, or this fails to compile.
 */
type Covers<Table, Code extends string> = [Code] extends [`${Extract<keyof Table, string | number>}`]
  ? true
  : false;
export type _checkVocabulary = [
  Expect<Covers<typeof HCM_CSDL_LABELS.sex, Sex>>,
  Expect<Covers<typeof HCM_CSDL_LABELS.grade, Grade>>,
  Expect<Covers<typeof HCM_CSDL_LABELS.studentStatus, StudentStatus>>,
  Expect<Covers<typeof HCM_CSDL_LABELS.disability, DisabilityCode>>,
  Expect<Covers<typeof HCM_CSDL_LABELS.schoolLevel, SchoolLevel>>,
  Expect<Covers<typeof HCM_CSDL_LABELS.schoolStatus, SchoolStatus>>,
  Expect<Covers<typeof HCM_CSDL_LABELS.position, StaffPosition>>,
  Expect<Covers<typeof HCM_CSDL_LABELS.staffStatus, StaffStatus>>,
];

/** Collects findings while one record is mapped. */
export class Findings {
  readonly list: MappingFinding[] = [];
  add(f: MappingFinding): void {
    this.list.push(f);
  }
  /** True when an error already points at `pointer`. */
  hasError(pointer: string): boolean {
    return this.list.some((f) => f.pointer === pointer && f.severity === 'error');
  }
}

/**
 * Resolves a code through a canonical list. Absent + required → MAP_MISSING_FIELD; present but not in
 * the list → MAP_UNKNOWN_CODE (an error: the value cannot be represented).
 */
export function code<C extends string>(
  list: CodeList<C>,
  raw: string | undefined,
  pointer: string,
  out: Findings,
  required: boolean,
): C | undefined {
  const value = cleanText(raw);
  if (value === undefined) {
    if (required) out.add(missingField(pointer));
    return undefined;
  }
  const resolved = resolveCode(list, value);
  if (resolved === undefined) out.add(unknownCode(pointer, list.id));
  return resolved;
}

/**
 * An ISO date (the wire format). A dd/mm/yyyy date (the Excel exports' format) is accepted with a
 * warning; anything else is MAP_BAD_DATE.
 */
export function date(
  raw: string | undefined,
  pointer: string,
  out: Findings,
  required: boolean,
): string | undefined {
  const value = cleanText(raw);
  if (value === undefined) {
    if (required) out.add(missingField(pointer));
    return undefined;
  }
  const iso = isoDate(value);
  if (iso !== undefined) return iso;
  const dmy = dmyToIso(value);
  if (dmy !== undefined) {
    out.add(
      finding(
        pointer,
        'MAP_DATE_FORMAT',
        'Ngày theo dạng dd/mm/yyyy, hệ thống này dùng yyyy-mm-dd.',
        'Date given as dd/mm/yyyy; this system uses yyyy-mm-dd.',
        'warning',
      ),
    );
    return dmy;
  }
  out.add(badDate(pointer));
  return undefined;
}

/**
 * Validates the mapped record with its canonical schema. Issues become MAP_INVALID_VALUE findings at
 * the wire pointer of the field (`pointers`), skipped where an error already points; returns the
 * parsed (normalised) value, or undefined (then at least one error finding exists).
 */
function validate<S extends z.ZodType>(
  schema: S,
  draft: Record<string, unknown>,
  pointers: Record<string, string>,
  out: Findings,
): z.output<S> | undefined {
  // A draft the schema would take as it is (its fields without a value left out) skips zod, with zod's
  // result, and is not copied without them first (../../canonical/as-is.ts `asIsDraftParser`).
  const taken = asIsDraftParser(schema)(draft);
  if (taken !== undefined) return taken as z.output<S>;
  const value = compact(draft);
  const fast = asIsParser(schema)(value);
  if (fast !== undefined) return fast as z.output<S>;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    const pointer =
      (pointers[field] ?? `/${field}`) +
      issue.path
        .slice(1)
        .map((p) => `/${String(p)}`)
        .join('');
    if (out.hasError(pointer)) continue;
    const { vi, en } = issueWords(issue, true);
    out.add(finding(pointer, 'MAP_INVALID_VALUE', vi, en));
  }
  return undefined;
}

/**
 * Turns the draft and its findings into the mapping result (see {@link validate}). The draft holds every
 * canonical field, `undefined` where the record has no value for it (left out of the result).
 */
export function finish<S extends z.ZodType>(
  schema: S,
  draft: Record<string, unknown>,
  pointers: Record<string, string>,
  out: Findings,
): MapResult<z.output<S>> {
  const value = validate(schema, draft, pointers, out);
  return value === undefined ? { ok: false, findings: out.list } : result(value, out.list);
}
