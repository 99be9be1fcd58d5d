/**
 * What free text kept for good may not hold (review33b: a decision's reason is kept in the hash-chained audit log,
 * which cannot be edited): a number typed as a personal ID (12 digits, DOMAIN.md §3.1, a mistyped one too), a
 * legacy 9-digit CMND number or a Vietnamese phone number (0 and 9 digits, a landline 02 and 9 digits, or +84). The
 * one way to ask it: the API's schemas (src/api/free-text.ts) and the service functions the CLI calls
 * ({@link refusePersonalNumber}). Ordinary numbers pass: a school code of 8 digits, a year, a date, a count, an id.
 * A number may be typed in groups (`0912 345 678`, `079.201.001.234`, `(028) 3829 1234`, `+84 912-345-678`): groups
 * of up to 6 digits joined by the same space, dot or hyphen are read as one number; a longer group stands alone, so
 * a school code beside a count (`79000701 1234`) is not read as one. The text is never echoed.
 */
import { AppError, both } from '../errors.js';

/** What a number in free text was taken for. */
export type PersonalNumberKind = 'personal-id' | 'legacy-id' | 'phone';

/** The rule code of the refusal (a problem's `errors[].rule`). */
export const PERSONAL_NUMBER_RULE = 'personal_data';

/** The refusal's words, in both languages; they never hold the number. */
export const PERSONAL_NUMBER_MESSAGE = both(
  'không được chứa số định danh cá nhân, số CMND hay số điện thoại (được lưu mãi trong nhật ký kiểm toán)',
  'must not hold a personal ID, an old ID card number or a phone number (it would be kept for good in the audit log)',
);

/**
 * An optional +84 (or (+84)), then digit groups, the first maybe in brackets, joined by one and the same space, dot
 * or hyphen (`0912 345 678`, `028.3829.1234`; a date and a count, `06-12-2026 15`, are two numbers).
 */
const TYPED_NUMBER = /(\(?\+ ?84\)?[ .-]?)?(\(?\d+\)?(?:([ .-])\(?\d+\)?(?:\3\(?\d+\)?)*)?)/g;
const GROUP = /\d+/g;
/** Groups this short may be parts of one number typed in groups; a longer one stands alone (`79000701 1234`). */
const GROUP_MAX = 6;

function kindOf(digits: string, international: boolean): PersonalNumberKind | undefined {
  if (international) {
    const national = digits.startsWith('0') ? digits.slice(1) : digits; // +84 (0) 912 …
    return national.length === 9 || national.length === 10 ? 'phone' : undefined;
  }
  if (digits.length === 12) return 'personal-id';
  if (digits.length === 9) return 'legacy-id';
  if (digits.length === 10 && digits.startsWith('0')) return 'phone';
  if (digits.length === 11 && (digits.startsWith('02') || digits.startsWith('84'))) return 'phone';
  return undefined;
}

/**
 * The kind of any run of neighbouring groups (`3 0912 345 678` holds a phone), the longest first (`079 310 001 234`
 * is an ID, not the legacy number of its first 9 digits), +84 before the first group only.
 */
function kindIn(groups: readonly string[], international: boolean): PersonalNumberKind | undefined {
  for (let i = 0; i < groups.length; i++) {
    // A long group stands alone; short ones join their short neighbours.
    let end = i + 1;
    if (groups[i]!.length <= GROUP_MAX) while (end < groups.length && groups[end]!.length <= GROUP_MAX) end++;
    for (let j = end; j > i; j--) {
      const kind = kindOf(groups.slice(i, j).join(''), international && i === 0);
      if (kind) return kind;
    }
  }
  return undefined;
}

/** The first number in `text` that looks like a personal ID, a legacy ID or a phone number; undefined when none. */
export function personalNumberIn(text: string): PersonalNumberKind | undefined {
  // Full-width digits and no-break spaces read as their plain forms.
  for (const m of text.normalize('NFKC').matchAll(TYPED_NUMBER)) {
    const kind = kindIn(m[2]!.match(GROUP) ?? [], m[1] !== undefined);
    if (kind) return kind;
  }
  return undefined;
}

/**
 * Throws ERR_FREE_TEXT_PERSONAL_DATA (400), naming the field, when `text` holds a personal ID or a phone number
 * ({@link personalNumberIn}): the check of a service function, before it changes anything.
 */
export function refusePersonalNumber(text: string | undefined, field: string): void {
  if (text === undefined || personalNumberIn(text) === undefined) return;
  throw new AppError('ERR_FREE_TEXT_PERSONAL_DATA', `${field}: ${PERSONAL_NUMBER_MESSAGE}`, {
    errors: [{ pointer: `/${field}`, rule: PERSONAL_NUMBER_RULE, message: PERSONAL_NUMBER_MESSAGE }],
  });
}
