/**
 * Đúng (correct), codes: every code in its list (the schema's enums and formats report through
 * DUNG_CODE_UNKNOWN and DUNG_SCHEMA), the commune in force at the record's date (with the 2025
 * crosswalk), the grade within the school's level, the class a class of the school in that year.
 */
import { communeStanding } from '../../canonical/codes/admin-units.js';
import type { SchoolLevel } from '../../canonical/enums.js';
import type { BatchContext, Rec } from '../types.js';
import { rule, strField, type Check } from './define.js';

export const CODE_UNKNOWN = rule({
  code: 'DUNG_CODE_UNKNOWN',
  criterion: 'dung',
  entities: ['schools', 'classes', 'students', 'staff', 'persons'],
  severity: 'error',
  version: 1,
  scope: 'input',
  title: { vi: 'Mã không có trong danh mục', en: 'Code not in its list' },
  message: {
    vi: 'Giá trị không có trong danh mục (dân tộc, giới tính, trạng thái, cấp học, khối lớp…).',
    en: 'The value is not in its code list (ethnicity, sex, status, level, grade…).',
  },
  hint: {
    vi: 'Dùng mã trong danh mục; xem docs/quality-rules.md và danh mục của truc.',
    en: 'Use a code of the list; see docs/quality-rules.md and truc’s code lists.',
  },
  showsValue: false,
});

export const SCHEMA = rule({
  code: 'DUNG_SCHEMA',
  criterion: 'dung',
  entities: ['schools', 'classes', 'students', 'staff', 'persons'],
  severity: 'error',
  version: 1,
  scope: 'input',
  title: { vi: 'Không đúng mô hình dữ liệu chuẩn', en: 'Does not fit the canonical model' },
  message: {
    vi: 'Giá trị không đúng mô hình dữ liệu chuẩn (kiểu, độ dài, ký tự cho phép, hoặc trường không có trong mô hình).',
    en: 'The value does not fit the canonical model (type, length, allowed characters, or a field the model lacks).',
  },
  hint: {
    vi: 'Xem chi tiết lỗi và lược đồ trong openapi/truc.v1.json.',
    en: 'See the detail and the schema in openapi/truc.v1.json.',
  },
  showsValue: false,
});

export const COMMUNE_UNKNOWN = rule({
  code: 'DUNG_COMMUNE_UNKNOWN',
  criterion: 'dung',
  entities: ['schools', 'students', 'persons'],
  severity: 'warning',
  version: 2,
  scope: 'record',
  title: { vi: 'Mã xã/phường không có', en: 'Unknown commune code' },
  message: {
    vi: 'Mã xã/phường không có trong danh mục có hiệu lực vào ngày của bản ghi.',
    en: 'The commune code is not in the list in force at the record’s date.',
  },
  hint: {
    vi: 'Dùng mã xã/phường 5 chữ số theo QĐ 19/2025/QĐ-TTg (từ 01/07/2025).',
    en: 'Use the 5-digit commune code of QĐ 19/2025/QĐ-TTg (from 1 July 2025).',
  },
  showsValue: false,
  readsToday: true,
});

export const COMMUNE_SUPERSEDED = rule({
  code: 'DUNG_COMMUNE_SUPERSEDED',
  criterion: 'dung',
  entities: ['schools', 'students', 'persons'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Mã xã/phường cũ trước sắp xếp 2025', en: 'Pre-2025 commune code' },
  message: {
    vi: 'Mã xã/phường này đã bị thay thế khi sắp xếp đơn vị hành chính từ 01/07/2025.',
    en: 'This commune code was replaced by the administrative reform of 1 July 2025.',
  },
  hint: {
    vi: 'Chuyển sang mã xã/phường mới theo bảng chuyển đổi (một xã cũ có thể thuộc nhiều xã mới).',
    en: 'Use the new commune code from the crosswalk (an old commune may have been split).',
  },
  showsValue: false,
  readsToday: true,
});

export const GRADE_LEVEL = rule({
  code: 'DUNG_GRADE_LEVEL',
  criterion: 'dung',
  entities: ['students', 'classes'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Khối lớp không thuộc cấp học của trường', en: 'Grade outside the school’s level' },
  message: {
    vi: 'Khối lớp không thuộc cấp học của trường.',
    en: 'The grade is not taught at the school’s level.',
  },
  hint: {
    vi: 'Kiểm tra khối lớp, hoặc cấp học của trường trong CSDL ngành.',
    en: 'Check the grade, or the school’s level in the city database.',
  },
  showsValue: true,
});

export const CLASS_UNKNOWN = rule({
  code: 'DUNG_CLASS_UNKNOWN',
  criterion: 'dung',
  entities: ['students'],
  severity: 'warning',
  version: 2,
  scope: 'store',
  title: { vi: 'Lớp không có trong trường và năm học', en: 'Class not in the school and year' },
  message: {
    vi: 'Mã lớp không phải một lớp của trường trong năm học này.',
    en: 'The class code is not a class of the school in this school year.',
  },
  hint: {
    vi: 'Gửi danh sách lớp trước, hoặc sửa mã lớp.',
    en: 'Send the classes first, or fix the class code.',
  },
  showsValue: true,
});

/**
 * A vendor's batch for a school code truc's school list (truc.schools, the city database's schools) lacks (walk9
 * W9-1): a warning once per batch, not a refusal. The client was granted the code by a city admin (warned then,
 * src/api/auth/client-admin.ts); a school may be open and teaching before the city database lists it, so its
 * records are kept and the finding tells the vendor and the city (the policy may make it an error).
 */
export const SCHOOL_UNLISTED = rule({
  code: 'DUNG_SCHOOL_UNLISTED',
  criterion: 'dung',
  entities: ['classes', 'students', 'staff'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Trường chưa có trong danh sách trường', en: 'School not in truc’s school list' },
  message: {
    vi: 'Mã trường của lô chưa có trong danh sách trường của truc (lấy từ CSDL ngành); các bản ghi vẫn được nhận.',
    en: 'The batch’s school code is not in truc’s school list (taken from the city database); its records are still taken.',
  },
  hint: {
    vi: 'Kiểm tra mã trường của lô; nếu mã đúng, đề nghị Sở bổ sung trường vào CSDL ngành.',
    en: 'Check the batch’s school code; if it is right, ask the city to add the school to the city database.',
  },
  showsValue: true,
});

const COMMUNE_FIELD = {
  schools: 'communeCode',
  students: 'residenceCommuneCode',
  persons: 'communeCode',
} as const;

/** The date a record speaks for: its status date, else the start of its school year, else today. */
function recordDate(rec: Rec, ctx: BatchContext): string {
  const status = strField(rec['statusDate']);
  if (status !== undefined) return status;
  const year = strField(rec['schoolYear']);
  return year === undefined ? ctx.today : `${year.slice(0, 4)}-09-01`;
}

export const communeCheck: Check = {
  scope: 'record',
  rules: [COMMUNE_UNKNOWN, COMMUNE_SUPERSEDED],
  entities: ['schools', 'students', 'persons'],
  check(rec, index, ctx, out) {
    const field = COMMUNE_FIELD[ctx.entity as keyof typeof COMMUNE_FIELD];
    const code = strField(ctx.entity === 'students' ? rec['residenceCommuneCode'] : rec['communeCode']);
    if (code === undefined) return;
    const standing = communeStanding(code, recordDate(rec, ctx));
    if (standing.status === 'unknown') out.add(index, COMMUNE_UNKNOWN, `/${field}`);
    else if (standing.status === 'superseded') {
      // A school's commune is public; a pupil's residence is personal data: no successor codes then.
      const detail =
        ctx.entity === 'schools'
          ? {
              vi: `Mã mới: ${standing.successors.join(', ')}.`,
              en: `New code(s): ${standing.successors.join(', ')}.`,
            }
          : undefined;
      out.add(index, COMMUNE_SUPERSEDED, `/${field}`, detail ? { detail } : undefined);
    }
  },
};

/** Grades taught at each school level. */
const LEVEL_GRADES: Readonly<Record<SchoolLevel, ReadonlySet<string> | null>> = {
  preschool: new Set(['nursery', 'kg3', 'kg4', 'kg5']),
  primary: new Set(['1', '2', '3', '4', '5']),
  lower_secondary: new Set(['6', '7', '8', '9']),
  upper_secondary: new Set(['10', '11', '12']),
  multi_level: null,
  continuing: new Set(['6', '7', '8', '9', '10', '11', '12']),
};

export const gradeLevelCheck: Check = {
  scope: 'store',
  rules: [GRADE_LEVEL],
  entities: ['students', 'classes'],
  needs: ['schools'],
  check(recs, _keys, _ctx, facts, out) {
    recs.forEach((rec, index) => {
      const grade = strField(rec['grade']);
      const school = strField(rec['schoolCode']);
      if (grade === undefined || school === undefined) return;
      const level = facts.schools?.get(school)?.level;
      const grades = level === undefined ? null : LEVEL_GRADES[level];
      if (grades && !grades.has(grade)) out.add(index, GRADE_LEVEL, '/grade', { value: grade });
    });
  },
};

export const classCheck: Check = {
  scope: 'store',
  rules: [CLASS_UNKNOWN],
  entities: ['students'],
  needs: ['classes'],
  check(recs, _keys, _ctx, facts, out) {
    const classes = facts.classes;
    if (!classes) return;
    // A school and year whose classes the hub does not hold yet are not judged (classes may come later).
    const known = new Map<string, Set<string>>();
    for (const key of classes) {
      const at = key.lastIndexOf('/') + 1;
      const year = key.slice(0, at);
      const codes = known.get(year);
      if (codes) codes.add(key.slice(at));
      else known.set(year, new Set([key.slice(at)]));
    }
    // A batch's records are mostly of one school and year: its prefix is not made again a record (issue 7).
    let last: { school: unknown; year: unknown; codes: Set<string> | undefined } | undefined;
    recs.forEach((rec, index) => {
      const cls = strField(rec['classCode']);
      if (cls === undefined) return;
      const school = rec['schoolCode'];
      const year = rec['schoolYear'];
      if (last === undefined || last.school !== school || last.year !== year) {
        const prefix = `${strField(school)}/${strField(year)}/`;
        last = { school, year, codes: known.get(prefix) };
      }
      if (last.codes !== undefined && !last.codes.has(cls))
        out.add(index, CLASS_UNKNOWN, '/classCode', { value: cls });
    });
  },
};

export const schoolListedCheck: Check = {
  scope: 'store',
  rules: [SCHOOL_UNLISTED],
  entities: ['classes', 'students', 'staff'],
  needs: ['schools'],
  asks: (_recs, ctx) => ctx.schoolCode !== undefined,
  check(_recs, _keys, ctx, facts, out) {
    // No lookup (a run without the store) says nothing; a lookup's answer without the code is the finding.
    if (ctx.schoolCode === undefined || facts.schools === undefined) return;
    if (!facts.schools.has(ctx.schoolCode)) out.add(-1, SCHOOL_UNLISTED, '', { value: ctx.schoolCode });
  },
};
