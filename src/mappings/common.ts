import type { MappingFinding, MapResult } from './types.js';

/** NFC-normalise, trim and collapse inner white space; undefined stays undefined. */
export function cleanText(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const out = value.normalize('NFC').replace(/\s+/g, ' ').trim();
  return out === '' ? undefined : out;
}

/** `dd/mm/yyyy` (also d/m/yyyy, with - or .) → ISO `yyyy-mm-dd`, or undefined when not a real date. */
export function dmyToIso(value: string): string | undefined {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value.trim());
  if (!m) return undefined;
  return isoIfReal(Number(m[3]), Number(m[2]), Number(m[1]));
}

/** ISO `yyyy-mm-dd` → `dd/mm/yyyy`. */
export function isoToDmy(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** Accepts ISO `yyyy-mm-dd` (optionally with a time part) and returns the date part if real. */
export function isoDate(value: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(value.trim());
  if (!m) return undefined;
  return isoIfReal(Number(m[1]), Number(m[2]), Number(m[3]));
}

function isoIfReal(y: number, mo: number, d: number): string | undefined {
  const dt = new Date(Date.UTC(y, mo - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return undefined;
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

export const unknownCode = (pointer: string, list: string): MappingFinding =>
  finding(
    pointer,
    'MAP_UNKNOWN_CODE',
    `Mã không có trong danh mục ${list}.`,
    `Code not in the ${list} code list.`,
  );

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
