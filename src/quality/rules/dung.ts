/**
 * Đúng (correct): identifiers, dates, codes and contact fields are valid, agree with each other and
 * with the authoritative source.
 */
import { communeStanding } from '../../canonical/codes/admin-units.js';
import type { Grade, SchoolLevel } from '../../canonical/enums.js';
import { isBirthRegistrationNumber } from '../../canonical/personal-id.js';
import type { BatchContext, Rec } from '../types.js';
import { ageOn, rule, startYearOf, strField, yearOf, type Check } from './define.js';

const ID_ENTITIES = ['students', 'staff', 'persons'] as const;

export const PERSONAL_ID_FORMAT = rule({
  code: 'DUNG_PERSONAL_ID_FORMAT',
  criterion: 'dung',
  entities: ID_ENTITIES,
  severity: 'error',
  version: 1,
  scope: 'input',
  title: { vi: 'Số định danh cá nhân sai định dạng', en: 'Personal ID malformed' },
  message: {
    vi: 'Số định danh cá nhân phải gồm đúng 12 chữ số.',
    en: 'A personal ID number must be exactly 12 digits.',
  },
  hint: {
    vi: 'Nhập đủ 12 chữ số theo thẻ căn cước; để trống nếu chưa có.',
    en: 'Enter the 12 digits from the ID card; leave it out when there is none.',
  },
  showsValue: false,
});

export const PERSONAL_ID_LEGACY = rule({
  code: 'DUNG_PERSONAL_ID_LEGACY',
  criterion: 'dung',
  entities: ID_ENTITIES,
  severity: 'warning',
  version: 1,
  scope: 'input',
  title: { vi: 'Số CMND 9 chữ số cũ', en: 'Legacy 9-digit ID card number' },
  message: {
    vi: 'Đây là số CMND 9 chữ số cũ, không phải số định danh cá nhân 12 chữ số; số này không được lưu.',
    en: 'This is a legacy 9-digit ID card number, not a 12-digit personal ID; it is not stored.',
  },
  hint: {
    vi: 'Thay bằng số định danh cá nhân 12 chữ số (trên thẻ căn cước hoặc VNeID).',
    en: 'Replace it with the 12-digit personal ID (on the ID card or in VNeID).',
  },
  showsValue: false,
});

export const PERSONAL_ID_PROVINCE = rule({
  code: 'DUNG_PERSONAL_ID_PROVINCE',
  criterion: 'dung',
  entities: ID_ENTITIES,
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Mã nơi đăng ký khai sinh không hợp lệ', en: 'Unknown birth-registration code' },
  message: {
    vi: 'Ba chữ số đầu của số định danh không phải mã tỉnh (63 tỉnh cũ) hoặc mã quốc gia (101–295) nơi đăng ký khai sinh.',
    en: 'The first three digits are neither a birth-registration province code (old 63 provinces) nor a country code (101–295).',
  },
  hint: {
    vi: 'Đối chiếu lại số định danh với thẻ căn cước hoặc giấy khai sinh.',
    en: 'Check the ID against the ID card or the birth certificate.',
  },
  showsValue: false,
});

export const PERSONAL_ID_SEX_MISMATCH = rule({
  code: 'DUNG_PERSONAL_ID_SEX_MISMATCH',
  criterion: 'dung',
  entities: ID_ENTITIES,
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Số định danh không khớp giới tính', en: 'Personal ID does not match sex' },
  message: {
    vi: 'Chữ số thứ 4 của số định danh không khớp với giới tính.',
    en: 'The 4th digit of the personal ID does not match the recorded sex.',
  },
  hint: {
    vi: 'Kiểm tra lại giới tính hoặc số định danh.',
    en: 'Check the sex or the personal ID.',
  },
  showsValue: false,
});

export const PERSONAL_ID_BIRTH_YEAR_MISMATCH = rule({
  code: 'DUNG_PERSONAL_ID_BIRTH_YEAR_MISMATCH',
  criterion: 'dung',
  entities: ID_ENTITIES,
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Số định danh không khớp năm sinh', en: 'Personal ID does not match birth year' },
  message: {
    vi: 'Chữ số thứ 4–6 của số định danh không khớp với năm sinh.',
    en: 'Digits 4–6 of the personal ID do not match the birth year.',
  },
  hint: {
    vi: 'Kiểm tra lại ngày sinh hoặc số định danh.',
    en: 'Check the birth date or the personal ID.',
  },
  showsValue: false,
});

export const DATE_INVALID = rule({
  code: 'DUNG_DATE_INVALID',
  criterion: 'dung',
  entities: ['students', 'staff', 'persons'],
  severity: 'error',
  version: 1,
  scope: 'input',
  title: { vi: 'Ngày không có thật', en: 'Not a real date' },
  message: {
    vi: 'Ngày phải có dạng YYYY-MM-DD và là ngày có thật.',
    en: 'A date must be YYYY-MM-DD and a real calendar day.',
  },
  hint: {
    vi: 'Kiểm tra ngày, tháng (ví dụ 30/02 không có thật).',
    en: 'Check the day and month (30 February does not exist).',
  },
  showsValue: false,
});

export const DATE_IN_FUTURE = rule({
  code: 'DUNG_DATE_IN_FUTURE',
  criterion: 'dung',
  entities: ['students', 'staff', 'persons'],
  severity: 'error',
  version: 1,
  scope: 'record',
  title: { vi: 'Ngày ở tương lai', en: 'Date in the future' },
  message: {
    vi: 'Ngày này ở sau ngày hôm nay.',
    en: 'This date is after today.',
  },
  hint: {
    vi: 'Sửa ngày sinh hoặc ngày trạng thái; có thể đã gõ nhầm năm.',
    en: 'Fix the birth or status date; the year may be mistyped.',
  },
  showsValue: false,
});

export const AGE_FOR_GRADE = rule({
  code: 'DUNG_AGE_FOR_GRADE',
  criterion: 'dung',
  entities: ['students', 'persons'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Tuổi không hợp với khối lớp', en: 'Age implausible for the grade' },
  message: {
    vi: 'Tuổi của học sinh (tính theo năm học) nằm ngoài khoảng hợp lý của khối lớp.',
    en: 'The pupil’s age (in the school year) is outside the plausible range for the grade.',
  },
  hint: {
    vi: 'Kiểm tra ngày sinh và khối lớp; khoảng cho phép do Sở cấu hình.',
    en: 'Check the birth date and the grade; the allowed range is set by the city.',
  },
  showsValue: false,
});

export const STAFF_AGE = rule({
  code: 'DUNG_STAFF_AGE',
  criterion: 'dung',
  entities: ['staff'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Cán bộ chưa đủ tuổi lao động', en: 'Staff member too young' },
  message: {
    vi: 'Theo ngày sinh, cán bộ này chưa đủ tuổi tối thiểu.',
    en: 'By the birth date, this staff member is under the minimum age.',
  },
  hint: { vi: 'Kiểm tra lại ngày sinh.', en: 'Check the birth date.' },
  showsValue: false,
});

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

export const PHONE_FORMAT = rule({
  code: 'DUNG_PHONE_FORMAT',
  criterion: 'dung',
  entities: ['schools', 'students', 'staff'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Số điện thoại không đúng dạng Việt Nam', en: 'Not a Vietnamese phone number' },
  message: {
    vi: 'Số điện thoại không phải số di động (10 số, đầu 03/05/07/08/09) hay cố định (11 số, đầu 02) của Việt Nam.',
    en: 'The phone is neither a Vietnamese mobile (10 digits, 03/05/07/08/09) nor a landline (11 digits, 02).',
  },
  hint: {
    vi: 'Nhập số điện thoại đầy đủ, ví dụ 0912345678 hoặc 02838123456.',
    en: 'Enter the full number, e.g. 0912345678 or 02838123456.',
  },
  showsValue: false,
});

export const EMAIL_FORMAT = rule({
  code: 'DUNG_EMAIL_FORMAT',
  criterion: 'dung',
  entities: ['schools', 'staff'],
  severity: 'error',
  version: 1,
  scope: 'record',
  title: { vi: 'Địa chỉ email không hợp lệ', en: 'Invalid e-mail address' },
  message: { vi: 'Địa chỉ email không hợp lệ.', en: 'The e-mail address is not valid.' },
  hint: { vi: 'Nhập email dạng ten@tenmien.vn.', en: 'Enter an address like name@domain.vn.' },
  showsValue: false,
});

export const SCHOOL_EMAIL_DOMAIN = rule({
  code: 'DUNG_SCHOOL_EMAIL_DOMAIN',
  criterion: 'dung',
  entities: ['schools'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: {
    vi: 'Email trường không thuộc tên miền chính thức',
    en: 'School e-mail not on an official domain',
  },
  message: {
    vi: 'Email chính thức của trường phải thuộc tên miền chính thức (ví dụ hcm.edu.vn).',
    en: 'A school’s official e-mail must be on an official domain (e.g. hcm.edu.vn).',
  },
  hint: {
    vi: 'Dùng hộp thư do Sở cấp (…@hcm.edu.vn, …@moet.edu.vn hoặc …@tphcm.gov.vn).',
    en: 'Use the mailbox the city issued (…@hcm.edu.vn, …@moet.edu.vn or …@tphcm.gov.vn).',
  },
  showsValue: true,
});

export const WEBSITE_FORMAT = rule({
  code: 'DUNG_WEBSITE_FORMAT',
  criterion: 'dung',
  entities: ['schools'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Địa chỉ website không hợp lệ', en: 'Invalid website address' },
  message: {
    vi: 'Website của trường phải là địa chỉ http(s) đầy đủ.',
    en: 'The school’s website must be a full http(s) address.',
  },
  hint: { vi: 'Nhập dạng https://ten-truong.hcm.edu.vn.', en: 'Enter it like https://school.hcm.edu.vn.' },
  showsValue: true,
});

export const CITY_CONFLICT = rule({
  code: 'DUNG_CITY_CONFLICT',
  criterion: 'dung',
  entities: ['students', 'staff'],
  severity: 'warning',
  version: 1,
  scope: 'store',
  title: { vi: 'Khác với CSDL ngành', en: 'Differs from the city database' },
  message: {
    vi: 'Trường định danh này khác với CSDL ngành (nguồn chính thức).',
    en: 'This identity field differs from the city database (the authoritative source).',
  },
  hint: {
    vi: 'Đối chiếu hồ sơ; nếu CSDL ngành sai, đề nghị Sở điều chỉnh.',
    en: 'Check the file; if the city database is wrong, ask the city to correct it.',
  },
  showsValue: false,
});

// --- checks ------------------------------------------------------------------------------------------

/** True when `id` is 12 ASCII digits (a char-code scan). */
function isTwelveDigits(id: string): boolean {
  if (id.length !== 12) return false;
  for (let i = 0; i < 12; i++) {
    const c = id.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const personalIdCheck: Check = {
  scope: 'record',
  rules: [
    PERSONAL_ID_FORMAT,
    PERSONAL_ID_PROVINCE,
    PERSONAL_ID_SEX_MISMATCH,
    PERSONAL_ID_BIRTH_YEAR_MISMATCH,
  ],
  entities: ID_ENTITIES,
  check(rec, index, _ctx, out) {
    const id = strField(rec['personalId']);
    if (id === undefined) return;
    if (!isTwelveDigits(id)) {
      out.add(index, PERSONAL_ID_FORMAT, '/personalId');
      return;
    }
    if (
      !isBirthRegistrationNumber(
        (id.charCodeAt(0) - 48) * 100 + (id.charCodeAt(1) - 48) * 10 + id.charCodeAt(2) - 48,
      )
    ) {
      out.add(index, PERSONAL_ID_PROVINCE, '/personalId');
      return;
    }
    // Digit 4: century and sex (even male, odd female; century 19 + ⌊G/2⌋); digits 5–6: the year.
    const g = id.charCodeAt(3) - 48;
    const sex = rec['sex'];
    if ((sex === 'male' || sex === 'female') && (g % 2 === 0 ? 'male' : 'female') !== sex) {
      out.add(index, PERSONAL_ID_SEX_MISMATCH, '/personalId');
    }
    const birth = strField(rec['birthDate']);
    if (birth !== undefined) {
      const year = (19 + (g >> 1)) * 100 + (id.charCodeAt(4) - 48) * 10 + (id.charCodeAt(5) - 48);
      if (yearOf(birth) !== year) out.add(index, PERSONAL_ID_BIRTH_YEAR_MISMATCH, '/personalId');
    }
  },
};

const datesCheck: Check = {
  scope: 'record',
  rules: [DATE_IN_FUTURE],
  entities: ['students', 'staff', 'persons'],
  check(rec, index, ctx, out) {
    const birth = strField(rec['birthDate']);
    if (birth !== undefined && birth > ctx.today) out.add(index, DATE_IN_FUTURE, '/birthDate');
    const status = strField(rec['statusDate']);
    if (status !== undefined && status > ctx.today) out.add(index, DATE_IN_FUTURE, '/statusDate');
  },
};

/** Nominal age of each grade in the calendar year its school year starts (grade 1 at 6). */
const NOMINAL_AGE: Readonly<Record<Grade, readonly [number, number]>> = {
  nursery: [0, 2],
  kg3: [3, 3],
  kg4: [4, 4],
  kg5: [5, 5],
  '1': [6, 6],
  '2': [7, 7],
  '3': [8, 8],
  '4': [9, 9],
  '5': [10, 10],
  '6': [11, 11],
  '7': [12, 12],
  '8': [13, 13],
  '9': [14, 14],
  '10': [15, 15],
  '11': [16, 16],
  '12': [17, 17],
};

/** True when a pupil born in `birthYear` fits `grade` in the school year starting in `startYear`. */
export function ageFitsGrade(
  birthYear: number,
  grade: Grade,
  startYear: number,
  tolerance: BatchContext['config']['ageTolerance'],
): boolean {
  const range = NOMINAL_AGE[grade];
  const age = startYear - birthYear;
  return age >= range[0] - tolerance.younger && age <= range[1] + tolerance.older;
}

const ageForGradeCheck: Check = {
  scope: 'record',
  rules: [AGE_FOR_GRADE],
  entities: ['students', 'persons'],
  check(rec, index, ctx, out) {
    const birth = strField(rec['birthDate']);
    const grade = strField(ctx.entity === 'persons' ? rec['currentGrade'] : rec['grade']) as
      Grade | undefined;
    if (birth === undefined || grade === undefined || !(grade in NOMINAL_AGE)) return;
    const year = startYearOf(strField(rec['schoolYear']) ?? ctx.schoolYear);
    if (!ageFitsGrade(yearOf(birth), grade, year, ctx.config.ageTolerance)) {
      out.add(index, AGE_FOR_GRADE, '/birthDate');
    }
  },
};

const staffAgeCheck: Check = {
  scope: 'record',
  rules: [STAFF_AGE],
  entities: ['staff'],
  check(rec, index, ctx, out) {
    const birth = strField(rec['birthDate']);
    if (birth !== undefined && birth <= ctx.today && ageOn(birth, ctx.today) < ctx.config.staffMinAge) {
      out.add(index, STAFF_AGE, '/birthDate');
    }
  },
};

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

const communeCheck: Check = {
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

const gradeLevelCheck: Check = {
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

const classCheck: Check = {
  scope: 'store',
  rules: [CLASS_UNKNOWN],
  entities: ['students'],
  needs: ['classes'],
  check(recs, _keys, _ctx, facts, out) {
    const classes = facts.classes;
    if (!classes) return;
    // A school and year whose classes the hub does not hold yet are not judged (classes may come later).
    const known = new Set<string>();
    for (const key of classes) known.add(key.slice(0, key.lastIndexOf('/') + 1));
    recs.forEach((rec, index) => {
      const cls = strField(rec['classCode']);
      if (cls === undefined) return;
      const year = `${strField(rec['schoolCode'])}/${strField(rec['schoolYear'])}/`;
      if (known.has(year) && !classes.has(year + cls))
        out.add(index, CLASS_UNKNOWN, '/classCode', { value: cls });
    });
  },
};

const MOBILE_OR_LANDLINE = /^(?:0[35789]\d{8}|02\d{9})$/;

/** True for a Vietnamese mobile (10 digits) or landline (11 digits, 02…), `+84` accepted for the 0. */
export function isVietnamesePhone(phone: string): boolean {
  if (MOBILE_OR_LANDLINE.test(phone)) return true;
  const digits = phone.replace(/[\s.()-]/g, '');
  return MOBILE_OR_LANDLINE.test(digits.startsWith('+84') ? `0${digits.slice(3)}` : digits);
}

const EMAIL =
  /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** True for a well-formed e-mail address (the canonical schema's pattern). */
export function isEmail(value: string): boolean {
  return EMAIL.test(value);
}

const contactCheck: Check = {
  scope: 'record',
  rules: [PHONE_FORMAT, EMAIL_FORMAT],
  entities: ['schools', 'students', 'staff'],
  check(rec, index, _ctx, out) {
    const phone = rec['phone'];
    if (typeof phone === 'string' && !isVietnamesePhone(phone)) out.add(index, PHONE_FORMAT, '/phone');
    const email = rec['email'];
    if (typeof email === 'string' && !isEmail(email)) out.add(index, EMAIL_FORMAT, '/email');
    const official = rec['officialEmail'];
    if (typeof official === 'string' && !isEmail(official)) out.add(index, EMAIL_FORMAT, '/officialEmail');
  },
};

/** True when `email`'s domain is one of `domains` or a subdomain of one. */
export function onOfficialDomain(email: string, domains: readonly string[]): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/** True for an absolute http(s) URL whose host has a dot. */
export function isWebsite(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
  } catch {
    return false;
  }
}

const schoolContactCheck: Check = {
  scope: 'record',
  rules: [SCHOOL_EMAIL_DOMAIN, WEBSITE_FORMAT],
  entities: ['schools'],
  check(rec, index, ctx, out) {
    const email = strField(rec['officialEmail']);
    if (email !== undefined && isEmail(email) && !onOfficialDomain(email, ctx.config.officialEmailDomains)) {
      out.add(index, SCHOOL_EMAIL_DOMAIN, '/officialEmail', { value: email });
    }
    const site = strField(rec['website']);
    if (site !== undefined && !isWebsite(site)) out.add(index, WEBSITE_FORMAT, '/website', { value: site });
  },
};

const IDENTITY_FIELDS = ['fullName', 'birthDate', 'sex', 'personalId'] as const;

const cityConflictCheck: Check = {
  scope: 'store',
  rules: [CITY_CONFLICT],
  entities: ['students', 'staff'],
  needs: ['authoritative'],
  check(recs, keys, _ctx, facts, out) {
    if (!facts.authoritative) return;
    recs.forEach((rec, index) => {
      const city = facts.authoritative!.get(keys[index]!);
      if (!city) return;
      for (const f of IDENTITY_FIELDS) {
        const ours = rec[f];
        const theirs = city[f];
        if (ours !== undefined && theirs !== undefined && ours !== theirs)
          out.add(index, CITY_CONFLICT, `/${f}`);
      }
    });
  },
};

export const DUNG_RULES = [
  PERSONAL_ID_FORMAT,
  PERSONAL_ID_LEGACY,
  PERSONAL_ID_PROVINCE,
  PERSONAL_ID_SEX_MISMATCH,
  PERSONAL_ID_BIRTH_YEAR_MISMATCH,
  DATE_INVALID,
  DATE_IN_FUTURE,
  AGE_FOR_GRADE,
  STAFF_AGE,
  CODE_UNKNOWN,
  SCHEMA,
  COMMUNE_UNKNOWN,
  COMMUNE_SUPERSEDED,
  GRADE_LEVEL,
  CLASS_UNKNOWN,
  PHONE_FORMAT,
  EMAIL_FORMAT,
  SCHOOL_EMAIL_DOMAIN,
  WEBSITE_FORMAT,
  CITY_CONFLICT,
] as const;

export const DUNG_CHECKS: readonly Check[] = [
  personalIdCheck,
  datesCheck,
  ageForGradeCheck,
  staffAgeCheck,
  communeCheck,
  gradeLevelCheck,
  classCheck,
  contactCheck,
  schoolContactCheck,
  cityConflictCheck,
];
