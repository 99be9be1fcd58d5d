/**
 * Số định danh cá nhân (12 digits, `PPP G YY NNNNNN`, DOMAIN.md §3.1): structure checks and a generator.
 * PPP = province (old 63-province list, with a leading 0) or country (101–295) where the birth was
 * registered; G = century and sex (even male, odd female, century = 19 + ⌊G/2⌋); YY = last two digits of
 * the birth year; NNNNNN = random. No check digit. Messages never contain the ID itself.
 */
import type { Sex } from './enums.js';
import type { Bilingual } from './messages.js';

/**
 * Birth-registration province codes: the old GSO 2-digit province codes of the 63 pre-2025 provinces
 * with a leading 0 (DOMAIN.md §3.1 [T]). IDs are for life, so the 2025 merger does not change them.
 */
export const BIRTH_REGISTRATION_PROVINCE_CODES: ReadonlySet<string> = new Set(
  (
    '001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 ' +
    '040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 ' +
    '083 084 086 087 089 091 092 093 094 095 096'
  ).split(' '),
);

/** Codes for births registered abroad: country codes 101–295 (TT 07/2016/TT-BCA appendix, DOMAIN.md §3.1 [T]). */
export const ABROAD_CODE_RANGE = { min: 101, max: 295 } as const;

/** Rule codes of personal-ID findings, with their bilingual messages. */
export const PERSONAL_ID_RULES = {
  PERSONAL_ID_FORMAT: {
    vi: 'Số định danh cá nhân phải gồm đúng 12 chữ số.',
    en: 'A personal ID number must be exactly 12 digits.',
  },
  PERSONAL_ID_PROVINCE: {
    vi: 'Ba chữ số đầu của số định danh không phải mã tỉnh (63 tỉnh cũ) hoặc mã quốc gia (101–295) nơi đăng ký khai sinh.',
    en: 'The first three digits are neither a birth-registration province code (old 63 provinces) nor a country code (101–295).',
  },
  PERSONAL_ID_SEX_MISMATCH: {
    vi: 'Chữ số thứ 4 của số định danh không khớp với giới tính.',
    en: 'The 4th digit of the personal ID does not match the recorded sex.',
  },
  PERSONAL_ID_BIRTH_YEAR_MISMATCH: {
    vi: 'Chữ số thứ 4–6 của số định danh không khớp với năm sinh.',
    en: 'Digits 4–6 of the personal ID do not match the birth year.',
  },
} as const satisfies Record<string, Bilingual>;

/** A personal-ID rule code. */
export type PersonalIdRule = keyof typeof PERSONAL_ID_RULES;

/** One finding about a personal ID. */
export interface PersonalIdIssue extends Bilingual {
  readonly rule: PersonalIdRule;
}

/** The facts a well-formed personal ID encodes. */
export interface ParsedPersonalId {
  /** Digits 1–3: where the birth was registered. */
  readonly birthRegistrationCode: string;
  /** True when the birth-registration code is a country code (born abroad). */
  readonly registeredAbroad: boolean;
  readonly sex: Sex;
  /** First two digits of the birth year: 19 for 1900–1999, 20 for 2000–2099... */
  readonly century: number;
  /** Digits 5–6. */
  readonly birthYearTwoDigits: string;
  /** century × 100 + birthYearTwoDigits. */
  readonly birthYear: number;
}

/** The outcome of `parsePersonalId`. */
export type PersonalIdResult =
  | { readonly ok: true; readonly value: ParsedPersonalId }
  | { readonly ok: false; readonly issues: readonly PersonalIdIssue[] };

const LEGACY_CMND: Bilingual = {
  vi: 'Đây có vẻ là số CMND cũ 9 chữ số, không phải số định danh cá nhân 12 chữ số.',
  en: 'This looks like a legacy 9-digit CMND number, not a 12-digit personal ID.',
};

function issue(rule: PersonalIdRule, message: Bilingual = PERSONAL_ID_RULES[rule]): PersonalIdIssue {
  return { rule, vi: message.vi, en: message.en };
}

const REGISTRATION_NUMBERS = (() => {
  const table = new Uint8Array(1000);
  for (const code of BIRTH_REGISTRATION_PROVINCE_CODES) table[Number(code)] = 1;
  for (let n = ABROAD_CODE_RANGE.min; n <= ABROAD_CODE_RANGE.max; n++) table[n] = 1;
  return table;
})();

/** `isBirthRegistrationCode` for the code's value (0..999), without a string: a table look-up. */
export function isBirthRegistrationNumber(n: number): boolean {
  return REGISTRATION_NUMBERS[n] === 1;
}

/** True when `code` (3 digits) is an old-province code or a country code in 101–295. */
export function isBirthRegistrationCode(code: string): boolean {
  if (BIRTH_REGISTRATION_PROVINCE_CODES.has(code)) return true;
  if (!/^\d{3}$/.test(code)) return false;
  const n = Number(code);
  return n >= ABROAD_CODE_RANGE.min && n <= ABROAD_CODE_RANGE.max;
}

/** Parses a personal ID (exactly 12 digits; no trimming). Returns its facts, or the rules it breaks. */
export function parsePersonalId(id: string): PersonalIdResult {
  if (!/^\d{12}$/.test(id)) {
    const message = /^\d{9}$/.test(id) ? LEGACY_CMND : PERSONAL_ID_RULES.PERSONAL_ID_FORMAT;
    return { ok: false, issues: [issue('PERSONAL_ID_FORMAT', message)] };
  }
  const birthRegistrationCode = id.slice(0, 3);
  if (!isBirthRegistrationCode(birthRegistrationCode)) {
    return { ok: false, issues: [issue('PERSONAL_ID_PROVINCE')] };
  }
  const g = Number(id[3]);
  const century = 19 + Math.floor(g / 2);
  const birthYearTwoDigits = id.slice(4, 6);
  return {
    ok: true,
    value: {
      birthRegistrationCode,
      registeredAbroad: Number(birthRegistrationCode) >= ABROAD_CODE_RANGE.min,
      sex: g % 2 === 0 ? 'male' : 'female',
      century,
      birthYearTwoDigits,
      birthYear: century * 100 + Number(birthYearTwoDigits),
    },
  };
}

/**
 * Checks a personal ID's structure and, when given, that it agrees with the recorded sex and birth
 * year (DOMAIN §3.1 "đúng" checks). Returns all findings; empty means it passes.
 */
export function checkPersonalIdAgainst(
  id: string,
  recorded: { readonly sex?: Sex | undefined; readonly birthYear?: number | undefined },
): PersonalIdIssue[] {
  const parsed = parsePersonalId(id);
  if (!parsed.ok) return [...parsed.issues];
  const issues: PersonalIdIssue[] = [];
  if (recorded.sex !== undefined && recorded.sex !== parsed.value.sex)
    issues.push(issue('PERSONAL_ID_SEX_MISMATCH'));
  if (recorded.birthYear !== undefined && recorded.birthYear !== parsed.value.birthYear) {
    issues.push(issue('PERSONAL_ID_BIRTH_YEAR_MISMATCH'));
  }
  return issues;
}

/** Inputs of `makePersonalId`. */
export interface MakePersonalIdInput {
  /** Birth-registration code, 3 digits (e.g. '079', or a country code '101'..'295'). */
  readonly provinceCode3: string;
  readonly sex: Sex;
  /** 1900..2399. */
  readonly birthYear: number;
  /** 0..999999, zero-padded to 6 digits. */
  readonly serial: number;
}

/**
 * Builds a structurally valid personal ID, for generators and tests (synthetic data only).
 * @throws RangeError on an invalid province code, birth year or serial.
 */
export function makePersonalId({ provinceCode3, sex, birthYear, serial }: MakePersonalIdInput): string {
  if (!isBirthRegistrationCode(provinceCode3)) throw new RangeError('invalid birth-registration code');
  if (!Number.isInteger(birthYear) || birthYear < 1900 || birthYear > 2399) {
    throw new RangeError('birth year must be 1900..2399');
  }
  if (!Number.isInteger(serial) || serial < 0 || serial > 999_999)
    throw new RangeError('serial must be 0..999999');
  const g = (Math.floor(birthYear / 100) - 19) * 2 + (sex === 'female' ? 1 : 0);
  return `${provinceCode3}${g}${String(birthYear % 100).padStart(2, '0')}${String(serial).padStart(6, '0')}`;
}

/** A personal ID as typed, after its input form (see `readPersonalId`). */
export type PersonalIdInput =
  | { readonly kind: 'absent' }
  /** A legacy 9-digit CMND number: not a personal ID; not stored. */
  | { readonly kind: 'legacy' }
  /** Neither 12 nor 9 digits. */
  | { readonly kind: 'malformed' }
  | { readonly kind: 'id'; readonly id: string };

const ABSENT: PersonalIdInput = { kind: 'absent' };
const LEGACY: PersonalIdInput = { kind: 'legacy' };
const MALFORMED: PersonalIdInput = { kind: 'malformed' };

/**
 * The input form of a personal ID, the same in every format (canonical, SMAS, vnEdu, hcm-csdl):
 * spaces and dots dropped; empty (or not text) = absent; 9 digits = a legacy CMND; 12 digits = an ID;
 * anything else malformed. Numbers are read as their digits (a spreadsheet may send them so).
 */
export function readPersonalId(raw: unknown): PersonalIdInput {
  const text = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : raw;
  if (typeof text !== 'string') return ABSENT;
  const id = text.replace(/[\s.]/g, '');
  if (id === '') return ABSENT;
  if (/^\d{12}$/.test(id)) return { kind: 'id', id };
  if (/^\d{9}$/.test(id)) return LEGACY;
  return MALFORMED;
}
