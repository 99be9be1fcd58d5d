/**
 * Field-level schemas shared by the canonical entities: clean text, opaque codes, ISO dates and the
 * identifier formats of DOMAIN.md §3. Text is trimmed, NFC-normalised and has runs of spaces collapsed;
 * control, format (bidi, zero-width), private-use and lone-surrogate characters are rejected.
 */
import { z } from 'zod';
import { asIs } from './as-is.js';
import { bilingual } from './messages.js';
import { hasNoForbiddenChars, isNameText, isPlainCleanText, isPlainName, normaliseText } from './text.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Earliest and latest year a canonical date or year may carry. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2100;

const M = {
  text: bilingual('Must be text.', 'Phải là chuỗi ký tự.'),
  required: bilingual('Must not be empty.', 'Không được để trống.'),
  forbidden: bilingual(
    'Contains control or invisible characters.',
    'Có ký tự điều khiển hoặc ký tự ẩn không được phép.',
  ),
  name: bilingual(
    'A name may contain only letters, spaces, apostrophes, hyphens and dots.',
    'Họ tên chỉ gồm chữ cái, dấu cách, dấu nháy, gạch nối và dấu chấm.',
  ),
  date: bilingual('Must be a date in the form YYYY-MM-DD.', 'Ngày phải có dạng YYYY-MM-DD.'),
  realDate: bilingual(
    `Not a real calendar date between ${MIN_YEAR} and ${MAX_YEAR}.`,
    `Không phải ngày có thật trong khoảng ${MIN_YEAR}–${MAX_YEAR}.`,
  ),
  year: bilingual(
    `Must be a whole year between ${MIN_YEAR} and ${MAX_YEAR}.`,
    `Năm phải là số nguyên trong khoảng ${MIN_YEAR}–${MAX_YEAR}.`,
  ),
  personalId: bilingual(
    'A personal ID number must be exactly 12 digits.',
    'Số định danh cá nhân phải gồm đúng 12 chữ số.',
  ),
  commune: bilingual('A commune code must be exactly 5 digits.', 'Mã xã phải gồm đúng 5 chữ số.'),
  province: bilingual('A province code must be exactly 2 digits.', 'Mã tỉnh phải gồm đúng 2 chữ số.'),
  ethnicity: bilingual(
    'An ethnicity code must be a two-digit code from 01 to 56.',
    'Mã dân tộc phải là mã hai chữ số từ 01 đến 56.',
  ),
  phone: bilingual(
    'A phone number must be 9–11 digits starting with 0, or + and 8–15 digits.',
    'Số điện thoại phải gồm 9–11 chữ số bắt đầu bằng 0, hoặc dấu + và 8–15 chữ số.',
  ),
  email: bilingual('Not a valid email address.', 'Địa chỉ email không hợp lệ.'),
  object: bilingual('Must be an object.', 'Phải là một đối tượng.'),
  unknownKeys: bilingual(
    'Unknown field(s): only the fields of the canonical model are allowed.',
    'Có trường không thuộc mô hình dữ liệu chuẩn.',
  ),
} as const;

/**
 * A strict object schema (unknown keys rejected) with bilingual messages for the object-level issues;
 * the offending key names are in the issue's `keys`.
 */
export function entity<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return M.unknownKeys;
      if (issue.code === 'invalid_type') return M.object;
      return undefined;
    },
  });
}

function tooLong(max: number): string {
  return bilingual(`Must be at most ${max} characters.`, `Tối đa ${max} ký tự.`);
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The number of `len` ASCII digits of `s` from `at`, or -1 when one is not a digit. */
function digitsAt(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** True when `value` is `YYYY-MM-DD` naming a real day (leap years included) in MIN_YEAR..MAX_YEAR. */
export function isIsoDate(value: string): boolean {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return false;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 2);
  const day = digitsAt(value, 8, 2);
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month]!);
}

/**
 * Free text: trimmed, NFC, single spaces, 1..max characters, no control or invisible characters.
 * Whitespace inside (tabs, newlines) collapses to one space before the character check. Text that is
 * already clean passes through a char-code scan without being copied (`normaliseText`).
 */
export function text(max: number) {
  return asIs(
    z
      .string({ error: M.text })
      .overwrite(normaliseText)
      .min(1, { error: M.required })
      .max(max, { error: tooLong(max) })
      .refine(hasNoForbiddenChars, { error: M.forbidden }),
    (v) => typeof v === 'string' && v.length <= max && isPlainCleanText(v),
  );
}

/** A person's full name (≤ 100 characters): letters of any script, spaces, apostrophes, hyphens, dots; at least one letter. */
export const PersonNameSchema = asIs(
  text(100).refine(isNameText, { error: M.name }),
  (v) => typeof v === 'string' && v.length <= 100 && isPlainName(v),
);

/**
 * An opaque system code: 1..max of `[A-Za-z0-9._-]`, the first a letter or digit (mã định danh, class code, staff
 * code...). A record's key is read back at a URL by the same rule (src/api/routes/records.ts RecordKey): `_A1`, `.C3`
 * or `..` were accepted and could not be read back, `..` resolving to another path (review26b F6).
 */
export function opaqueCode(max = 32) {
  const message = bilingual(
    `Must be 1–${max} characters of A–Z, a–z, 0–9, dot, underscore or hyphen, starting with a letter or digit.`,
    `Phải gồm 1–${max} ký tự A–Z, a–z, 0–9, dấu chấm, gạch dưới hoặc gạch nối, bắt đầu bằng chữ cái hoặc chữ số.`,
  );
  return asIs(
    z
      .string({ error: M.text })
      .trim()
      .regex(new RegExp(`^[A-Za-z0-9][A-Za-z0-9._-]{0,${max - 1}}$`), { error: message }),
    (v) => typeof v === 'string' && isOpaqueCode(v, max),
  );
}

/** 1 at the char codes of `[A-Za-z0-9._-]`. */
const OPAQUE_CHARS = (() => {
  const table = new Uint8Array(0x80);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-')
    table[ch.charCodeAt(0)] = 1;
  return table;
})();

/** True when `v` is 1..max of `[A-Za-z0-9._-]`, the first a letter or digit (a char-code scan). */
export function isOpaqueCode(v: string, max: number): boolean {
  const n = v.length;
  if (n === 0 || n > max) return false;
  const first = v.charCodeAt(0);
  if (first === 0x2e || first === 0x5f || first === 0x2d) return false; // . _ -
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80 || OPAQUE_CHARS[c] !== 1) return false;
  }
  return true;
}

/** True when `v` is exactly `len` ASCII digits. */
export function isDigits(v: unknown, len: number): boolean {
  return typeof v === 'string' && v.length === len && digitsAt(v, 0, len) >= 0;
}

/** ISO calendar date `YYYY-MM-DD` that exists (2025-02-30 is rejected), years MIN_YEAR..MAX_YEAR. */
export const IsoDateSchema = asIs(
  z
    .string({ error: M.text })
    .trim()
    .regex(ISO_DATE, { error: M.date, abort: true })
    .refine(isIsoDate, { error: M.realDate }),
  (v) => typeof v === 'string' && isIsoDate(v),
);

/** A calendar year as an integer in MIN_YEAR..MAX_YEAR. */
export const YearSchema = asIs(
  z
    .number({ error: M.year })
    .int({ error: M.year })
    .min(MIN_YEAR, { error: M.year })
    .max(MAX_YEAR, { error: M.year }),
  (v) => Number.isInteger(v) && (v as number) >= MIN_YEAR && (v as number) <= MAX_YEAR,
);

/** Số định danh cá nhân: exactly 12 digits (structure checks live in personal-id.ts). */
export const PersonalIdSchema = asIs(
  z
    .string({ error: M.text })
    .trim()
    .regex(/^\d{12}$/, { error: M.personalId }),
  (v) => isDigits(v, 12),
);

/** 5-digit commune code (2025 list, QĐ 19/2025/QĐ-TTg). Format only; existence: `isCommuneCode`. */
export const CommuneCodeSchema = asIs(
  z
    .string({ error: M.text })
    .trim()
    .regex(/^\d{5}$/, { error: M.commune }),
  (v) => isDigits(v, 5),
);

/** 2-digit province code (2025 list). Format only; existence: `getProvince`. */
export const ProvinceCodeSchema = asIs(
  z
    .string({ error: M.text })
    .trim()
    .regex(/^\d{2}$/, { error: M.province }),
  (v) => isDigits(v, 2),
);

const ETHNICITY = /^(?:0[1-9]|[1-4]\d|5[0-6])$/;

/** True when `v` is an ethnicity code '01'..'56' (a char-code test, same as ETHNICITY). */
function isEthnicityCode(v: unknown): boolean {
  if (typeof v !== 'string' || v.length !== 2) return false;
  const n = digitsAt(v, 0, 2);
  return n >= 1 && n <= 56;
}

/** Ethnicity code '01'..'56' (DOMAIN §3.4). */
export const EthnicityCodeSchema = asIs(
  z.string({ error: M.text }).trim().regex(ETHNICITY, { error: M.ethnicity }),
  isEthnicityCode,
);

const PHONE = /^(?:0\d{8,10}|\+\d{8,15})$/;

/** True when `v` is `0` + 8–10 digits or `+` + 8–15 digits (a char-code test, same as PHONE). */
function isPhoneText(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const n = v.length;
  const first = v.charCodeAt(0);
  if (first === 0x30 ? n < 9 || n > 11 : first !== 0x2b || n < 9 || n > 16) return false;
  for (let i = 1; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Phone number; spaces, dots, hyphens and brackets are removed, then `0` + 8–10 digits or `+` + 8–15 digits. */
export const PhoneSchema = asIs(
  z
    .string({ error: M.text })
    .trim()
    .overwrite((v) => v.replace(/[\s.()-]/g, ''))
    .regex(PHONE, { error: M.phone }),
  isPhoneText,
);

const UPPER = /[A-Z]/;

/** Email address, trimmed and lower-cased, at most 254 characters. */
export const EmailSchema = asIs(
  z
    .string({ error: M.text })
    .trim()
    .toLowerCase()
    .max(254, { error: tooLong(254) })
    .regex(z.regexes.email, { error: M.email }),
  (v) => typeof v === 'string' && v.length <= 254 && !UPPER.test(v) && z.regexes.email.test(v),
);
