/**
 * Sạch (clean): text normalised and the change reported, legacy-font mojibake repaired, no control,
 * replacement or placeholder values, no duplicates in a batch or across schools.
 */
import { normaliseText } from '../../canonical/text.js';
import { TEXT_FLAG, properCaseName, repairMojibake, textFlags } from '../../canonical/vietnamese.js';
import type { EntityName } from '../../canonical/entities.js';
import type { Rec } from '../types.js';
import { rule, strField, type Check } from './define.js';
import { ENROLLED_STATUSES } from './du.js';

const TEXT_ENTITIES = ['schools', 'classes', 'students', 'staff', 'persons'] as const;

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

export const DUPLICATE_IN_BATCH = rule({
  code: 'SACH_DUPLICATE_IN_BATCH',
  criterion: 'sach',
  entities: TEXT_ENTITIES,
  severity: 'error',
  version: 1,
  scope: 'batch',
  title: { vi: 'Mã lặp trong lô', en: 'Key repeated in the batch' },
  message: {
    vi: 'Mã bị lặp lại trong cùng lô; chỉ bản ghi đầu tiên được nhận.',
    en: 'The key repeats within the batch; only the first record is taken.',
  },
  hint: { vi: 'Gửi mỗi bản ghi một lần.', en: 'Send each record once.' },
  showsValue: false,
});

export const DUPLICATE_PERSONAL_ID = rule({
  code: 'SACH_DUPLICATE_PERSONAL_ID',
  criterion: 'sach',
  entities: ['students', 'staff', 'persons'],
  severity: 'error',
  version: 1,
  scope: 'batch',
  title: { vi: 'Số định danh lặp trong lô', en: 'Personal ID repeated in the batch' },
  message: {
    vi: 'Số định danh này đã có ở một bản ghi khác trong cùng lô; chỉ bản ghi đầu tiên được nhận.',
    en: 'This personal ID is on another record of the same batch; only the first is taken.',
  },
  hint: {
    vi: 'Một người chỉ có một hồ sơ: gộp hai hồ sơ hoặc sửa số định danh.',
    en: 'One person has one record: merge the two or fix the ID.',
  },
  showsValue: false,
});

export const PROBABLE_DUPLICATE = rule({
  code: 'SACH_PROBABLE_DUPLICATE',
  criterion: 'sach',
  entities: ['students', 'persons'],
  severity: 'warning',
  version: 1,
  scope: 'batch',
  title: { vi: 'Có thể trùng hồ sơ', en: 'Probable duplicate' },
  message: {
    vi: 'Một bản ghi khác trong lô có cùng họ tên, ngày sinh và tên cha/mẹ/người giám hộ, và một trong hai thiếu số định danh.',
    en: 'Another record of the batch has the same name, birth date and a parent’s name, and one of them has no personal ID.',
  },
  hint: {
    vi: 'Bổ sung số định danh, hoặc gộp hai hồ sơ nếu là một người.',
    en: 'Add the personal ID, or merge the two records if they are one person.',
  },
  showsValue: false,
});

export const PROBABLE_DUPLICATE_STORED = rule({
  code: 'SACH_PROBABLE_DUPLICATE_STORED',
  criterion: 'sach',
  entities: ['students'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Có thể trùng hồ sơ đã lưu', en: 'Probable duplicate of a stored record' },
  message: {
    vi: 'Một hồ sơ đã lưu (ở trường này hoặc trường khác) có cùng họ tên, ngày sinh và tên cha/mẹ/người giám hộ, và một trong hai thiếu số định danh.',
    en: 'A stored record (of this or another school) has the same name, birth date and a parent’s name, and one of them has no personal ID.',
  },
  hint: {
    vi: 'Bổ sung số định danh; nếu là một người, làm thủ tục chuyển trường hoặc xóa hồ sơ thừa.',
    en: 'Add the personal ID; if they are one person, use the transfer procedure or remove the extra record.',
  },
  showsValue: false,
});

export const ACTIVE_AT_TWO_SCHOOLS = rule({
  code: 'SACH_ACTIVE_AT_TWO_SCHOOLS',
  criterion: 'sach',
  entities: ['students'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Đang học ở hai trường', en: 'Active at two schools' },
  message: {
    vi: 'Học sinh có cùng số định danh đang học ở một trường khác.',
    en: 'A pupil with the same personal ID is enrolled at another school.',
  },
  hint: {
    vi: 'Hoàn tất thủ tục chuyển đi/chuyển đến ở một trong hai trường.',
    en: 'Complete the transfer out or in at one of the two schools.',
  },
  showsValue: false,
});

// --- checks ------------------------------------------------------------------------------------------

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
export function foldPlaceholder(value: string): string {
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

const textCheck: Check = {
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
    if (typeof phone === 'string' && SAME_DIGIT.test(phone)) out.add(index, PLACEHOLDER, '/phone');
    const email = rec['email'];
    if (typeof email === 'string' && PLACEHOLDER_MAIL.test(email)) out.add(index, PLACEHOLDER, '/email');
    const official = rec['officialEmail'];
    if (typeof official === 'string' && PLACEHOLDER_MAIL.test(official))
      out.add(index, PLACEHOLDER, '/officialEmail');
  },
};

const duplicateKeyCheck: Check = {
  scope: 'batch',
  rules: [DUPLICATE_IN_BATCH, DUPLICATE_PERSONAL_ID],
  entities: TEXT_ENTITIES,
  check(recs, keys, _ctx, out) {
    // One hash operation per set and record: a repeat leaves the set's size unchanged.
    const seenKeys = new Set<string>();
    const seenIds = new Set<string>();
    for (let index = 0; index < recs.length; index++) {
      const before = seenKeys.size;
      seenKeys.add(keys[index]!);
      if (seenKeys.size === before) {
        out.add(index, DUPLICATE_IN_BATCH, '');
        continue;
      }
      const id = recs[index]!['personalId'];
      if (typeof id !== 'string') continue;
      const known = seenIds.size;
      seenIds.add(id);
      if (seenIds.size === known) out.add(index, DUPLICATE_PERSONAL_ID, '/personalId');
    }
  },
};

/** A name as duplicate detection compares it: normalised, lower case. */
function nameKey(value: string): string {
  return normaliseText(value).toLowerCase();
}

interface Seen {
  readonly index: number;
  readonly name: string;
  readonly parents: readonly string[];
  readonly hasId: boolean;
}

function parentsOf(rec: Rec): string[] {
  const out: string[] = [];
  const father = rec['fatherName'];
  if (typeof father === 'string') out.push(nameKey(father));
  const mother = rec['motherName'];
  if (typeof mother === 'string') out.push(nameKey(mother));
  const guardian = rec['guardianName'];
  if (typeof guardian === 'string') out.push(nameKey(guardian));
  return out;
}

const probableDuplicateCheck: Check = {
  scope: 'batch',
  rules: [PROBABLE_DUPLICATE],
  entities: ['students', 'persons'],
  check(recs, keys, _ctx, out) {
    // Only a pair where one side has no personal ID is a probable duplicate: index the birth dates of
    // the records without one, then look only at the records born on those days.
    const days = new Set<string>();
    for (const rec of recs) {
      const birth = rec['birthDate'];
      if (rec['personalId'] === undefined && typeof birth === 'string') days.add(birth);
    }
    if (days.size === 0) return;
    const byDay = new Map<string, Seen[]>();
    recs.forEach((rec, index) => {
      const birth = rec['birthDate'];
      const full = rec['fullName'];
      if (typeof birth !== 'string' || typeof full !== 'string' || !days.has(birth)) return;
      const me: Seen = {
        index,
        name: nameKey(full),
        parents: parentsOf(rec),
        hasId: rec['personalId'] !== undefined,
      };
      const seen = byDay.get(birth);
      if (!seen) {
        byDay.set(birth, [me]);
        return;
      }
      const twin = seen.some(
        (s) =>
          s.name === me.name &&
          keys[s.index] !== keys[index] &&
          !(s.hasId && me.hasId) &&
          me.parents.some((p) => s.parents.includes(p)),
      );
      if (twin) out.add(index, PROBABLE_DUPLICATE, '');
      seen.push(me);
    });
  },
};

const storedDuplicateCheck: Check = {
  scope: 'store',
  rules: [PROBABLE_DUPLICATE_STORED],
  entities: ['students'],
  needs: ['bornOn'],
  check(recs, keys, _ctx, facts, out) {
    const bornOn = facts.bornOn;
    if (!bornOn || bornOn.size === 0) return;
    recs.forEach((rec, index) => {
      const birth = rec['birthDate'];
      const full = rec['fullName'];
      if (typeof birth !== 'string' || typeof full !== 'string') return;
      const stored = bornOn.get(birth);
      if (!stored) return;
      const name = nameKey(full);
      const parents = parentsOf(rec);
      const hasId = rec['personalId'] !== undefined;
      if (parents.length === 0) return;
      const twin = stored.some(
        (s) =>
          s.key !== keys[index] &&
          !(hasId && s.rec['personalId'] !== undefined) &&
          typeof s.rec['fullName'] === 'string' &&
          nameKey(s.rec['fullName']) === name &&
          parentsOf(s.rec).some((p) => parents.includes(p)),
      );
      if (twin) out.add(index, PROBABLE_DUPLICATE_STORED, '');
    });
  },
};

const twoSchoolsCheck: Check = {
  scope: 'store',
  rules: [ACTIVE_AT_TWO_SCHOOLS],
  entities: ['students'],
  needs: ['activeHolders'],
  check(recs, keys, _ctx, facts, out) {
    if (!facts.activeHolders) return;
    recs.forEach((rec, index) => {
      const id = strField(rec['personalId']);
      const status = strField(rec['status']);
      if (id === undefined || status === undefined || !ENROLLED_STATUSES.has(status)) return;
      const school = strField(rec['schoolCode']);
      const holders = facts.activeHolders!.get(id) ?? [];
      if (holders.some((h) => h.schoolCode !== school && h.key !== keys[index])) {
        out.add(index, ACTIVE_AT_TWO_SCHOOLS, '/personalId');
      }
    });
  },
};

export const SACH_RULES = [
  TEXT_NORMALISED,
  NAME_CASE,
  MOJIBAKE_REPAIRED,
  MOJIBAKE,
  CONTROL_CHARS,
  REPLACEMENT_CHAR,
  PLACEHOLDER,
  DUPLICATE_IN_BATCH,
  DUPLICATE_PERSONAL_ID,
  PROBABLE_DUPLICATE,
  PROBABLE_DUPLICATE_STORED,
  ACTIVE_AT_TWO_SCHOOLS,
] as const;

export const SACH_CHECKS: readonly Check[] = [
  textCheck,
  duplicateKeyCheck,
  probableDuplicateCheck,
  storedDuplicateCheck,
  twoSchoolsCheck,
];
