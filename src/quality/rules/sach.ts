/**
 * Sạch (clean): text normalised and the change reported, legacy-font mojibake repaired, no control,
 * replacement or placeholder values, no duplicates in a batch or across schools.
 */
import { normaliseText } from '../../canonical/text.js';
import { isProperCaseName, properCaseName, repairMojibake } from '../../canonical/vietnamese.js';
import type { EntityName } from '../../canonical/entities.js';
import { rule, str, type Check } from './define.js';
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
  scope: 'record',
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

/** Text fields of each entity; `name` ones are person names (proper case applies). */
export const TEXT_FIELDS: Readonly<Record<EntityName, readonly { field: string; name: boolean }[]>> = {
  schools: [
    { field: 'name', name: false },
    { field: 'address', name: false },
  ],
  classes: [{ field: 'name', name: false }],
  students: [
    { field: 'fullName', name: true },
    { field: 'fatherName', name: true },
    { field: 'motherName', name: true },
    { field: 'guardianName', name: true },
  ],
  staff: [{ field: 'fullName', name: true }],
  persons: [
    { field: 'fullName', name: true },
    { field: 'householdNo', name: false },
    { field: 'currentSchoolName', name: false },
  ],
};

const FOLD_MARKS = /[\u0300-\u036f]/g;
const NOT_ALNUM = /[^a-z0-9]/g;

/** Lower case, no diacritics (đ → d), letters and digits only: 'Không có' → 'khongco'. */
export function foldPlaceholder(value: string): string {
  return value
    .toLowerCase()
    .normalize('NFD')
    .replace(FOLD_MARKS, '')
    .replace(/đ/g, 'd')
    .replace(NOT_ALNUM, '');
}

/** True when `value` is one of the placeholders (compared folded); only short values can be. */
export function isPlaceholder(value: string, placeholders: ReadonlySet<string>): boolean {
  return value.length <= 16 && placeholders.has(foldPlaceholder(value));
}

const SAME_DIGIT = /^(\d)\1+$/;
const PLACEHOLDER_MAIL = /^(?:test|abc|x+|no|none|noemail|khongco|email|mail|a+)@/i;

const placeholderSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function placeholderSet(list: readonly string[]): ReadonlySet<string> {
  let set = placeholderSets.get(list);
  if (!set) {
    set = new Set(list.map(foldPlaceholder));
    placeholderSets.set(list, set);
  }
  return set;
}

/**
 * Mojibake: a pre-test cheap enough for every text field — a TCVN3 symbol, a Latin-1 letter Vietnamese
 * never uses, a VNI modifier right after a vowel, or a Latin-1 capital inside a lower-case word.
 */
const MOJIBAKE_HINT =
  /[¨©ª«¬\u00ad®¡-§¸µ¶·¹¾»¼½ÄÅÆÇËÎÏÑÖØÛÜßäåæçëîïñöøûüÿÐÞþ×÷]|[aeAE][âáàåãäÂÁÀÅÃÄ]|[aA][êéèúüëÊÉÈÚÜË]|[aeiouyAEIOUY][ùøûõïÙØÛÕÏ]|[oO][âÂ]|[a-zß-ÿ][À-Þ]/;

const textCheck: Check = {
  scope: 'record',
  rules: [MOJIBAKE_REPAIRED, MOJIBAKE, NAME_CASE, REPLACEMENT_CHAR, PLACEHOLDER],
  entities: TEXT_ENTITIES,
  check(rec, index, ctx, out) {
    const placeholders = placeholderSet(ctx.config.placeholders);
    for (const { field, name } of TEXT_FIELDS[ctx.entity]) {
      let v = str(rec, field);
      if (v === undefined) continue;
      const pointer = `/${field}`;
      if (v.includes('\ufffd')) {
        out.add(index, REPLACEMENT_CHAR, pointer);
        continue;
      }
      if (isPlaceholder(v, placeholders)) {
        out.add(index, PLACEHOLDER, pointer);
        continue;
      }
      if (MOJIBAKE_HINT.test(v)) {
        const repaired = repairMojibake(v);
        if (repaired.kind === 'unrepairable') {
          out.add(index, MOJIBAKE, pointer);
          continue;
        }
        if (repaired.kind === 'repaired') {
          v = normaliseText(repaired.value);
          out.add(index, MOJIBAKE_REPAIRED, pointer);
          out.patch(index, field, v);
        }
      }
      if (name && !isProperCaseName(v)) {
        out.add(index, NAME_CASE, pointer);
        out.patch(index, field, properCaseName(v));
      }
    }
    const phone = str(rec, 'phone');
    if (phone !== undefined && SAME_DIGIT.test(phone.replace(/\D/g, '')))
      out.add(index, PLACEHOLDER, '/phone');
    for (const f of ['email', 'officialEmail']) {
      const mail = str(rec, f);
      if (mail !== undefined && PLACEHOLDER_MAIL.test(mail)) out.add(index, PLACEHOLDER, `/${f}`);
    }
  },
};

const duplicateKeyCheck: Check = {
  scope: 'batch',
  rules: [DUPLICATE_IN_BATCH, DUPLICATE_PERSONAL_ID],
  entities: TEXT_ENTITIES,
  check(recs, keys, _ctx, out) {
    const seenKeys = new Set<string>();
    const seenIds = new Map<string, string>();
    recs.forEach((rec, index) => {
      const key = keys[index]!;
      if (seenKeys.has(key)) {
        out.add(index, DUPLICATE_IN_BATCH, '');
        return;
      }
      seenKeys.add(key);
      const id = str(rec, 'personalId');
      if (id === undefined) return;
      const holder = seenIds.get(id);
      if (holder === undefined) seenIds.set(id, key);
      else out.add(index, DUPLICATE_PERSONAL_ID, '/personalId');
    });
  },
};

const PARENT_FIELDS = ['fatherName', 'motherName', 'guardianName'] as const;

/** A name as duplicate detection compares it: normalised, lower case. */
function nameKey(value: string): string {
  return normaliseText(value).toLocaleLowerCase('vi');
}

const probableDuplicateCheck: Check = {
  scope: 'batch',
  rules: [PROBABLE_DUPLICATE],
  entities: ['students', 'persons'],
  check(recs, keys, _ctx, out) {
    const byBirth = new Map<string, number[]>();
    recs.forEach((rec, index) => {
      const birth = str(rec, 'birthDate');
      if (birth === undefined) return;
      const list = byBirth.get(birth);
      if (list) list.push(index);
      else byBirth.set(birth, [index]);
    });
    for (const group of byBirth.values()) {
      if (group.length < 2) continue;
      const seen: { index: number; name: string; parents: Set<string>; hasId: boolean }[] = [];
      for (const index of group) {
        const rec = recs[index]!;
        const full = str(rec, 'fullName');
        if (full === undefined) continue;
        const name = nameKey(full);
        const parents = new Set<string>();
        for (const f of PARENT_FIELDS) {
          const p = str(rec, f);
          if (p !== undefined) parents.add(nameKey(p));
        }
        const hasId = rec['personalId'] !== undefined;
        const twin = seen.find(
          (s) =>
            s.name === name &&
            keys[s.index] !== keys[index] &&
            !(s.hasId && hasId) &&
            [...parents].some((p) => s.parents.has(p)),
        );
        if (twin) out.add(index, PROBABLE_DUPLICATE, '');
        seen.push({ index, name, parents, hasId });
      }
    }
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
      const id = str(rec, 'personalId');
      const status = str(rec, 'status');
      if (id === undefined || status === undefined || !ENROLLED_STATUSES.has(status)) return;
      const school = str(rec, 'schoolCode');
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
  ACTIVE_AT_TWO_SCHOOLS,
] as const;

export const SACH_CHECKS: readonly Check[] = [
  textCheck,
  duplicateKeyCheck,
  probableDuplicateCheck,
  twoSchoolsCheck,
];
