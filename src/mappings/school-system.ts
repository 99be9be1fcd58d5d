/**
 * Mapping helpers shared by the per-school vendor systems (SMAS, vnEdu): defensive reading of wire
 * values (a pushed record may hold anything the type does not promise), code resolution with findings,
 * the school/year fall-back from the context, dates and personal IDs with findings, and the final
 * validation with the canonical schema. The systems' own spellings and code tables stay in their
 * folders. Pure.
 */
import type { z } from 'zod';
import { issueWords } from '../canonical/zod-text.js';
import { parseSchoolYear } from '../canonical/school-year.js';
import { resolveCode, type CodeList } from '../canonical/codes/code-list.js';
import { badDate, compact, finding, missingField, result, textOf, unknownCode } from './common.js';
import type { MapContext, MapResult, MappingFinding } from './types.js';

/**
 * Resolves a code through a vendor table first, then the canonical list's aliases. Absent → undefined
 * (plus a missing-field error when required); unknown → `MAP_UNKNOWN_CODE`, an error when required, a
 * warning (value dropped) when optional.
 */
export function codeOf<C extends string>(
  value: unknown,
  pointer: string,
  findings: MappingFinding[],
  lists: { vendor?: ReadonlyMap<string, C>; canonical: CodeList<C>; required: boolean },
): C | undefined {
  const text = textOf(value);
  if (text === undefined) {
    if (lists.required) findings.push(missingField(pointer));
    return undefined;
  }
  const code = lists.vendor?.get(text) ?? resolveCode(lists.canonical, text);
  if (code === undefined) {
    const f = unknownCode(pointer, lists.canonical.id);
    findings.push(lists.required ? f : { ...f, severity: 'warning' });
  }
  return code;
}

/** A code list entry's Vietnamese label (for fromCanonical). */
export function labelOf<C extends string>(list: CodeList<C>, code: C): string {
  return list.entries.find((e) => e.code === code)?.labelVi ?? code;
}

/** The record's school: the wire value, else the context's; a record naming another school than the context is refused. */
export function schoolOf(
  value: unknown,
  pointer: string,
  ctx: MapContext,
  findings: MappingFinding[],
): string | undefined {
  const own = textOf(value);
  if (own !== undefined && ctx.schoolCode !== undefined && own !== ctx.schoolCode) {
    findings.push(
      finding(
        pointer,
        'MAP_SCHOOL_MISMATCH',
        'Bản ghi thuộc trường khác với trường đang gửi dữ liệu.',
        'The record belongs to another school than the one sending it.',
      ),
    );
    return undefined;
  }
  const school = own ?? ctx.schoolCode;
  if (school === undefined) findings.push(missingField(pointer));
  return school;
}

/** The school year `YYYY-YYYY` from a wire text (variants accepted), else the context's. */
export function schoolYearOf(
  value: unknown,
  pointer: string,
  ctx: MapContext,
  findings: MappingFinding[],
): string | undefined {
  const text = textOf(value);
  if (text === undefined) {
    if (ctx.schoolYear === undefined) findings.push(missingField(pointer));
    return ctx.schoolYear;
  }
  const year = parseSchoolYear(text);
  if (!year) {
    findings.push(
      finding(
        pointer,
        'MAP_BAD_SCHOOL_YEAR',
        'Năm học không hợp lệ (dạng 2025-2026).',
        'Not a valid school year (like 2025-2026).',
      ),
    );
  }
  return year?.code;
}

function isOptional(schema: z.ZodObject, key: string): boolean {
  const field = schema.shape[key] as z.ZodType | undefined;
  return field === undefined || field.safeParse(undefined).success;
}

/** A JSON pointer's first reference token, as a pointer: `/DanhSach/0/Ten` → `/DanhSach`; `/GioiTinh` is itself. */
function headOf(pointer: string): string {
  const end = pointer.indexOf('/', 1);
  return end < 0 ? pointer : pointer.slice(0, end);
}

/**
 * The canonical fields an error finding is at (`pointerOf` maps each field to its wire pointer), a finding under a
 * field's pointer (`/DanhSach/0/Ten`) at that field; undefined if one is at none.
 */
function refusedFields(
  findings: readonly MappingFinding[],
  pointerOf: Readonly<Record<string, string>>,
): Set<string> | undefined {
  const fieldAt = new Map(Object.entries(pointerOf).map(([field, pointer]) => [pointer, field]));
  const broken = new Set<string>();
  for (const f of findings) {
    if (f.severity !== 'error') continue;
    const field = fieldAt.get(f.pointer) ?? fieldAt.get(headOf(f.pointer));
    if (field === undefined) return undefined;
    broken.add(field);
  }
  return broken;
}

/**
 * Validates a candidate with the canonical schema. An invalid optional field is dropped with a warning; any other
 * issue is an error. `pointerOf` maps a canonical field to its wire pointer. A field an earlier error finding is at is
 * not validated again (that finding says it), and the others still are: a refused record is told every problem at
 * once (walk13, W10-2 as canonical pushes are), and its `apart` is what of it can still be judged (its fields but the
 * refused ones), which the quality engine's record rules judge (src/jobs/judge.ts `map`, BatchSink.judgeApart).
 */
export function validated<S extends z.ZodObject>(
  schema: S,
  candidate: Record<string, unknown>,
  findings: MappingFinding[],
  pointerOf: Readonly<Record<string, string>>,
): MapResult<z.infer<S>> {
  let broken = refusedFields(findings, pointerOf);
  let value = compact(candidate);
  if (broken !== undefined) for (const field of broken) delete value[field];
  for (let round = 0; round < 2; round++) {
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      const refused = findings.some((f) => f.severity === 'error');
      return refused ? failed(findings, parsed.data, broken) : result(parsed.data, findings);
    }
    const dropped = new Set<string>();
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      if (broken?.has(key)) continue; // refused already: a required one left out is not missing again
      const optional = round === 0 && key !== '' && isOptional(schema, key);
      const msg = issueWords(issue, true);
      const sub = issue.path.length > 1 ? `/${issue.path.slice(1).map(String).join('/')}` : '';
      const pointer = (pointerOf[key] ?? `/${key}`) + sub;
      findings.push(finding(pointer, 'MAP_INVALID_FIELD', msg.vi, msg.en, optional ? 'warning' : 'error'));
      if (optional) dropped.add(key);
      else if (key === '')
        broken = undefined; // the record as a whole: nothing of it to judge apart
      else broken?.add(key);
    }
    const refused = findings.some((f) => f.severity === 'error');
    if (dropped.size === 0 || refused) return failed(findings, value, broken);
    value = Object.fromEntries(Object.entries(value).filter(([k]) => !dropped.has(k)));
  }
  return failed(findings, value, broken);
}

/** A refused record's result: its findings, and what of it can still be judged when known (see {@link validated}). */
function failed(
  findings: readonly MappingFinding[],
  value: Record<string, unknown>,
  broken: ReadonlySet<string> | undefined,
): MapResult<never> {
  if (broken === undefined) return { ok: false, findings };
  const rec = Object.fromEntries(Object.entries(value).filter(([k]) => !broken.has(k)));
  return { ok: false, findings, apart: { rec, broken } };
}

/**
 * A date read with `parse` (the system's format → ISO, undefined when not a real date). Absent →
 * undefined (an error when required); not a real date → `MAP_BAD_DATE`, an error when required, a
 * warning when optional.
 */
export function dateOf(
  value: unknown,
  pointer: string,
  findings: MappingFinding[],
  opts: { required: boolean; parse: (text: string) => string | undefined },
): string | undefined {
  const text = textOf(value);
  if (text === undefined) {
    if (opts.required) findings.push(missingField(pointer));
    return undefined;
  }
  const iso = opts.parse(text);
  if (iso === undefined) {
    const f = badDate(pointer);
    findings.push(opts.required ? f : { ...f, severity: 'warning' });
  }
  return iso;
}

/** A personal ID as the canonical input step reads it (see `personalIdOf` in ./common.ts). */
export { personalIdOf } from './common.js';
