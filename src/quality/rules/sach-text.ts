/**
 * Sạch (clean), text: normalised (NFC, trimmed, single spaces) with the change reported, names in
 * proper case (repaired and reported), VNI/TCVN3 mojibake repaired where unambiguous, control and
 * replacement characters and placeholder values refused.
 */
import { normaliseText } from '../../canonical/text.js';
import { TEXT_FLAG, properCaseName, repairMojibake, textFlags } from '../../canonical/vietnamese.js';
import type { EntityName } from '../../canonical/entities.js';
import type { Rec } from '../types.js';
import { rule, type Check } from './define.js';

/** The entities with text fields. */
export const TEXT_ENTITIES = ['schools', 'classes', 'students', 'staff', 'persons'] as const;

export const TEXT_NORMALISED = rule({
  code: 'SACH_TEXT_NORMALISED',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'info',
  version: 1,
  scope: 'input',
  title: { vi: 'Văn bản đã được chuẩn hoá', en: 'Text normalised' },
  message: {
    vi: 'Văn bản đã được chuẩn hoá (Unicode dựng sẵn NFC, bỏ khoảng trắng thừa); giá trị lưu là bản đã chuẩn hoá.',
    en: 'The text was normalised (precomposed Unicode NFC, extra white space removed); the stored value is the normalised one.',
  },
  hint: {
    vi: 'Sửa ở hệ thống nguồn: dùng Unicode dựng sẵn và bỏ khoảng trắng thừa.',
    en: 'Fix it at the source: use precomposed Unicode and no extra spaces.',
  },
  showsValue: false,
});

export const NAME_CASE = rule({
  code: 'SACH_NAME_CASE',
  criterion: 'sach',
  entities: ['students', 'staff', 'persons'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Họ tên chưa viết hoa đúng', en: 'Name not in proper case' },
  message: {
    vi: 'Họ tên chưa viết hoa chữ cái đầu mỗi tiếng; giá trị lưu đã được sửa.',
    en: 'The name is not in proper case (a capital at the start of each word); the stored value was corrected.',
  },
  hint: {
    vi: 'Sửa ở hệ thống nguồn, ví dụ "Nguyễn Văn An" thay cho "NGUYỄN VĂN AN".',
    en: 'Fix it at the source, e.g. "Nguyễn Văn An" instead of "NGUYỄN VĂN AN".',
  },
  showsValue: false,
});

export const MOJIBAKE_REPAIRED = rule({
  code: 'SACH_MOJIBAKE_REPAIRED',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Lỗi phông VNI/TCVN3 đã được sửa', en: 'VNI/TCVN3 mojibake repaired' },
  message: {
    vi: 'Văn bản gõ bằng bảng mã cũ (VNI hoặc TCVN3) đã được chuyển sang Unicode; giá trị lưu là bản đã sửa.',
    en: 'Text typed in a legacy encoding (VNI or TCVN3) was converted to Unicode; the stored value is the repaired one.',
  },
  hint: {
    vi: 'Chuyển dữ liệu nguồn sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey).',
    en: 'Convert the source data to Unicode (e.g. with Unikey’s converter).',
  },
  showsValue: false,
});

export const MOJIBAKE = rule({
  code: 'SACH_MOJIBAKE',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'error',
  version: 1,
  scope: 'record',
  title: { vi: 'Lỗi phông không sửa được', en: 'Unrepairable mojibake' },
  message: {
    vi: 'Văn bản có dấu hiệu gõ bằng bảng mã cũ (VNI/TCVN3) nhưng không chuyển được chắc chắn sang Unicode.',
    en: 'The text looks typed in a legacy encoding (VNI/TCVN3) but cannot be converted to Unicode with certainty.',
  },
  hint: {
    vi: 'Chuyển dữ liệu nguồn sang Unicode rồi gửi lại.',
    en: 'Convert the source data to Unicode and send it again.',
  },
  showsValue: false,
});

export const CONTROL_CHARS = rule({
  code: 'SACH_CONTROL_CHARS',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'error',
  version: 1,
  scope: 'input',
  title: { vi: 'Có ký tự điều khiển hoặc ký tự ẩn', en: 'Control or invisible characters' },
  message: {
    vi: 'Văn bản có ký tự điều khiển hoặc ký tự ẩn (định hướng, độ rộng 0…).',
    en: 'The text holds control or invisible characters (bidi, zero-width…).',
  },
  hint: {
    vi: 'Gõ lại giá trị thay vì dán từ tài liệu khác.',
    en: 'Type the value again instead of pasting it from another document.',
  },
  showsValue: false,
});

export const REPLACEMENT_CHAR = rule({
  code: 'SACH_REPLACEMENT_CHAR',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'error',
  version: 1,
  scope: 'input',
  title: { vi: 'Có ký tự thay thế (�)', en: 'Replacement character (�)' },
  message: {
    vi: 'Văn bản có ký tự thay thế "�": một phần dữ liệu đã mất khi chuyển bảng mã.',
    en: 'The text holds the replacement character "�": part of it was lost in an encoding conversion.',
  },
  hint: {
    vi: 'Xuất lại dữ liệu từ nguồn với UTF-8.',
    en: 'Export the data from the source again as UTF-8.',
  },
  showsValue: false,
});

export const PLACEHOLDER = rule({
  code: 'SACH_PLACEHOLDER',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'error',
  version: 1,
  scope: 'record',
  title: { vi: 'Giá trị giữ chỗ', en: 'Placeholder value' },
  message: {
    vi: 'Giá trị giữ chỗ ("x", "không có", "0000"…) thay cho dữ liệu thật.',
    en: 'A placeholder ("x", "không có", "0000"…) stands in for real data.',
  },
  hint: {
    vi: 'Nhập giá trị thật, hoặc bỏ trống trường không bắt buộc.',
    en: 'Enter the real value, or leave an optional field out.',
  },
  showsValue: false,
});

/** A text field of an entity: its name, whether it holds a person's name, and a reader. */
export interface TextField {
  readonly field: string;
  readonly name: boolean;
  /** Reads the field with a constant property name (fast; see `strField`). */
  readonly get: (rec: Rec) => unknown;
}

/** Text fields of each entity; `name` ones are person names (proper case applies). */
export const TEXT_FIELDS: Readonly<Record<EntityName, readonly TextField[]>> = {
  schools: [
    { field: 'name', name: false, get: (r) => r['name'] },
    { field: 'address', name: false, get: (r) => r['address'] },
  ],
  classes: [{ field: 'name', name: false, get: (r) => r['name'] }],
  students: [
    { field: 'fullName', name: true, get: (r) => r['fullName'] },
    { field: 'fatherName', name: true, get: (r) => r['fatherName'] },
    { field: 'motherName', name: true, get: (r) => r['motherName'] },
    { field: 'guardianName', name: true, get: (r) => r['guardianName'] },
  ],
  staff: [{ field: 'fullName', name: true, get: (r) => r['fullName'] }],
  persons: [
    { field: 'fullName', name: true, get: (r) => r['fullName'] },
    { field: 'householdNo', name: false, get: (r) => r['householdNo'] },
    { field: 'currentSchoolName', name: false, get: (r) => r['currentSchoolName'] },
  ],
};

/** Per UTF-16 code unit below U+2000: its base letter or digit, lower case ASCII, or 0 (dropped). */
const FOLD = (() => {
  const table = new Uint8Array(0x2000);
  for (let c = 0; c < 0x2000; c++) {
    const base = String.fromCharCode(c).toLowerCase().normalize('NFD').charAt(0).replace('đ', 'd');
    const b = base.charCodeAt(0);
    if ((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39)) table[c] = b;
  }
  table[0x111] = 0x64; // đ
  table[0x110] = 0x64; // Đ
  return table;
})();

/** Folded placeholders are at most this long; folding stops past it. */
const MAX_FOLDED = 16;

/** Lower case, no diacritics (đ → d), letters and digits only: 'Không có' → 'khongco'. */
function foldPlaceholder(value: string): string {
  let out = '';
  for (let i = 0; i < value.length && out.length <= MAX_FOLDED; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x2000) continue;
    const f = FOLD[c]!;
    if (f !== 0) out += String.fromCharCode(f);
  }
  return out;
}

/** The placeholders of a configuration, folded, with the first two folded characters of each for a quick reject. */
interface PlaceholderIndex {
  readonly folded: ReadonlySet<string>;
  /** c1 × 128 + c2 of every folded placeholder of two characters or more. */
  readonly prefixes: ReadonlySet<number>;
}

/**
 * True when `value` is one of the placeholders (compared folded). The first two folded characters
 * reject almost every real value ('Nguyễn…' starts 'ng', no placeholder does) before any string is built.
 */
export function isPlaceholder(value: string, index: PlaceholderIndex): boolean {
  let first = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const f = c < 0x2000 ? FOLD[c]! : 0;
    if (f === 0) continue;
    if (first === 0) first = f;
    else {
      if (!index.prefixes.has(first * 128 + f)) return false;
      break;
    }
  }
  return index.folded.has(foldPlaceholder(value));
}

const SAME_DIGIT = /^\+?(\d)\1+$|^0(\d)\2+$/;

/** SAME_DIGIT, with a char-code pre-test: a phone whose digits after the first two differ is none. */
function isSameDigitPhone(phone: string): boolean {
  const n = phone.length;
  if (n >= 4) {
    const c = phone.charCodeAt(n - 1);
    for (let i = n - 2; i >= 2; i--) if (phone.charCodeAt(i) !== c) return false;
  }
  return SAME_DIGIT.test(phone);
}
const PLACEHOLDER_MAIL = /^(?:test|abc|x+|no|none|noemail|khongco|email|mail|a+)@/i;

let lastList: readonly string[] | undefined;
let lastIndex: PlaceholderIndex = { folded: new Set(), prefixes: new Set() };

/** The index of a placeholder list (built once per list; the last one is remembered). */
export function placeholderSet(list: readonly string[]): PlaceholderIndex {
  if (list === lastList) return lastIndex;
  const folded = new Set(list.map(foldPlaceholder));
  const prefixes = new Set(
    [...folded].filter((f) => f.length >= 2).map((f) => f.charCodeAt(0) * 128 + f.charCodeAt(1)),
  );
  lastList = list;
  lastIndex = { folded, prefixes };
  return lastIndex;
}

const MAX_PLACEHOLDER_LENGTH = 16;

export const textCheck: Check = {
  scope: 'record',
  rules: [MOJIBAKE_REPAIRED, MOJIBAKE, NAME_CASE, REPLACEMENT_CHAR, PLACEHOLDER],
  entities: TEXT_ENTITIES,
  check(rec, index, ctx, out) {
    const placeholders = placeholderSet(ctx.config.placeholders);
    // Text the input step found settled holds no mojibake and no badly cased name: placeholders only.
    const settled = out.textSettled?.(index) === true;
    for (const { field, name, get } of TEXT_FIELDS[ctx.entity]) {
      const raw = get(rec);
      if (typeof raw !== 'string') continue;
      let v = raw;
      if (v.length <= MAX_PLACEHOLDER_LENGTH && isPlaceholder(v, placeholders)) {
        out.add(index, PLACEHOLDER, `/${field}`);
        continue;
      }
      if (settled) continue;
      let flags = textFlags(v);
      if (flags === 0 || (!name && flags === TEXT_FLAG.notProperCase)) continue;
      if ((flags & TEXT_FLAG.replacement) !== 0) {
        out.add(index, REPLACEMENT_CHAR, `/${field}`);
        continue;
      }
      if ((flags & TEXT_FLAG.mojibake) !== 0) {
        const repaired = repairMojibake(v);
        if (repaired.kind === 'unrepairable') {
          out.add(index, MOJIBAKE, `/${field}`);
          continue;
        }
        if (repaired.kind === 'repaired') {
          v = normaliseText(repaired.value);
          out.add(index, MOJIBAKE_REPAIRED, `/${field}`);
          out.patch(index, field, v);
          flags = textFlags(v);
        }
      }
      if (name && (flags & TEXT_FLAG.notProperCase) !== 0) {
        out.add(index, NAME_CASE, `/${field}`);
        out.patch(index, field, properCaseName(v));
      }
    }
    const phone = rec['phone'];
    if (typeof phone === 'string' && isSameDigitPhone(phone)) out.add(index, PLACEHOLDER, '/phone');
    const email = rec['email'];
    if (typeof email === 'string' && PLACEHOLDER_MAIL.test(email)) out.add(index, PLACEHOLDER, '/email');
    const official = rec['officialEmail'];
    if (typeof official === 'string' && PLACEHOLDER_MAIL.test(official))
      out.add(index, PLACEHOLDER, '/officialEmail');
  },
};
