import { readPersonalId } from '../canonical/personal-id.js';
import { isDigits } from '../canonical/primitives.js';
import { normaliseText } from '../canonical/text.js';
import type { MappingFinding, MapResult } from './types.js';

/** NFC-normalise, trim and collapse inner white space; undefined stays undefined. */
export function cleanText(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  // Text already clean (the common case) is recognised by one char-code scan, without the NFC pass and
  // the regular expression (../canonical/text.ts: the same result).
  const out = normaliseText(value);
  return out === '' ? undefined : out;
}

/** Text of a wire value: strings cleaned (NFC, trimmed, single spaces), numbers as text, else undefined. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return typeof value === 'string' ? cleanText(value) : undefined;
}

/** A required text field: its text ({@link textOf}), or a `MAP_MISSING_FIELD` error. */
export function requiredText(
  value: unknown,
  pointer: string,
  findings: MappingFinding[],
): string | undefined {
  const text = textOf(value);
  if (text === undefined) findings.push(missingField(pointer));
  return text;
}

/**
 * Drops keys whose value is undefined (canonical objects are strict: optional keys are absent). Its keys
 * in their order, read without `Object.entries` (issue 7: a pair array per key of every record mapped,
 * ~1.2 MB of garbage a 1000-record page); own keys only, as `Object.entries` reads.
 */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue;
    const v = obj[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/** `dd/mm/yyyy`, also d/m/yyyy and with - or . (`dmyToIso`). */
export const DMY_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;

/** `dd/mm/yyyy` (also d/m/yyyy, with - or .) → ISO `yyyy-mm-dd`, or undefined when not a real date. */
export function dmyToIso(value: string): string | undefined {
  const m = DMY_DATE.exec(value.trim());
  if (!m) return undefined;
  return isoIfReal(Number(m[3]), Number(m[2]), Number(m[1]));
}

/** ISO `yyyy-mm-dd` → `dd/mm/yyyy`. */
export function isoToDmy(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** Just `yyyy-mm-dd`, nothing around it. */
const ISO_DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** The number of the two digits of `s` at `i`. */
const twoDigits = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/** `yyyy-mm-dd`, optionally with a time part (`isoDate`). */
export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/;

/** Accepts ISO `yyyy-mm-dd` (optionally with a time part) and returns the date part if real. */
export function isoDate(value: string): string | undefined {
  // The common case, a date alone: itself when real (what the date part would be rebuilt as; issue 7:
  // no match array, substrings and rebuilt text for each of a record's dates).
  if (ISO_DATE_ONLY.test(value)) {
    const y = twoDigits(value, 0) * 100 + twoDigits(value, 2);
    return isRealDate(y, twoDigits(value, 5), twoDigits(value, 8)) ? value : undefined;
  }
  const m = ISO_DATE.exec(value.trim());
  if (!m) return undefined;
  return isoIfReal(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Days in each month of a common year (January first). */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/**
 * True when year `y` (0–9999), month `mo` and day `d` name a day of the proleptic Gregorian calendar, as
 * `Date.UTC` rebuilds them, whose years 0–99 are 1900–1999 (so those are never real). Without a Date (issue
 * 7: two dates a record of a first sync).
 */
function isRealDate(y: number, mo: number, d: number): boolean {
  if (y < 100 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (mo === 2 && leap ? 29 : MONTH_DAYS[mo - 1]!);
}

function isoIfReal(y: number, mo: number, d: number): string | undefined {
  if (!isRealDate(y, mo, d)) return undefined;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export function finding(
  pointer: string,
  rule: string,
  vi: string,
  en: string,
  severity: 'error' | 'warning' = 'error',
): MappingFinding {
  return { pointer, rule, severity, vi, en };
}

/**
 * Each code list's name in a finding's two languages, by the list's id (walk8 W8-1: the Vietnamese half said "Mã không
 * có trong danh mục ethnicity", the id in English; moet-pcgd's said both languages in each half).
 */
export const CODE_LIST_NAMES: Readonly<Record<string, { vi: string; en: string }>> = {
  sex: { vi: 'giới tính', en: 'sex' },
  ethnicity: { vi: 'dân tộc', en: 'ethnic group' },
  grade: { vi: 'khối lớp', en: 'grade' },
  disability: { vi: 'khuyết tật', en: 'disability' },
  'school-level': { vi: 'cấp học', en: 'school level' },
  'staff-position': { vi: 'chức vụ', en: 'staff position' },
  'staff-status': { vi: 'trạng thái cán bộ', en: 'staff status' },
  'student-status': { vi: 'trạng thái học sinh', en: 'student status' },
  'hcm-csdl/school-status': { vi: 'trạng thái trường', en: 'school status' },
  'moet-pcgd/residence-type': { vi: 'loại cư trú', en: 'residence type' },
  'moet-pcgd/literacy': { vi: 'biết chữ', en: 'literacy' },
};

/** A code not in its list (`list`: the list's id, named by {@link CODE_LIST_NAMES}). */
export const unknownCode = (pointer: string, list: string): MappingFinding => {
  const name = CODE_LIST_NAMES[list] ?? { vi: list, en: list };
  return finding(
    pointer,
    'MAP_UNKNOWN_CODE',
    `Mã không có trong danh mục ${name.vi}.`,
    `Code not in the ${name.en} code list.`,
  );
};

export const badDate = (pointer: string): MappingFinding =>
  finding(pointer, 'MAP_BAD_DATE', 'Ngày không hợp lệ.', 'Not a valid date.');

export const missingField = (pointer: string): MappingFinding =>
  finding(pointer, 'MAP_MISSING_FIELD', 'Thiếu trường bắt buộc.', 'A required field is missing.');

/** Builds the result: ok unless a finding has severity `error`. */
export function result<T>(value: T, findings: MappingFinding[]): MapResult<T> {
  return findings.some((f) => f.severity === 'error')
    ? { ok: false, findings }
    : { ok: true, value, findings };
}

/**
 * Personal-ID findings carry the quality catalogue's codes, so the same fact is one finding in every
 * format (canonical, SMAS, vnEdu, hcm-csdl). Here they are warnings (the ID is left out and the
 * record mapped); the ingest judges catalogue codes by the city's policy (by default a legacy number is
 * a warning, a malformed ID an error that rejects the record).
 */
const PERSONAL_ID_LEGACY_RULE = 'DUNG_PERSONAL_ID_LEGACY';
const PERSONAL_ID_FORMAT_RULE = 'DUNG_PERSONAL_ID_FORMAT';

/**
 * A personal ID from the wire, read as every format reads it (`readPersonalId`): absent → undefined;
 * a legacy 9-digit CMND → undefined and DUNG_PERSONAL_ID_LEGACY; not 12 digits → undefined and
 * DUNG_PERSONAL_ID_FORMAT; else the 12 digits.
 */
export function personalIdOf(
  value: unknown,
  pointer: string,
  findings: MappingFinding[],
): string | undefined {
  // 12 digits alone (the common case) are the ID as they are: read without a copy (issue 7).
  if (isDigits(value, 12)) return value as string;
  const input = readPersonalId(value);
  if (input.kind === 'id') return input.id;
  if (input.kind === 'legacy') {
    findings.push(
      finding(
        pointer,
        PERSONAL_ID_LEGACY_RULE,
        'Đây là số CMND 9 chữ số cũ, không phải số định danh cá nhân 12 chữ số; số này không được lưu.',
        'This is a legacy 9-digit ID card number, not a 12-digit personal ID; it is not stored.',
        'warning',
      ),
    );
  } else if (input.kind === 'malformed') {
    findings.push(
      finding(
        pointer,
        PERSONAL_ID_FORMAT_RULE,
        'Số định danh cá nhân phải gồm đúng 12 chữ số.',
        'A personal ID number must be exactly 12 digits.',
        'warning',
      ),
    );
  }
  return undefined;
}
