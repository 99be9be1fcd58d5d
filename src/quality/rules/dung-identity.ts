/**
 * Đúng (correct), identity: the personal ID (its format, province or country code, century/sex and
 * birth-year digits against the record), real dates not in the future, a plausible age for the grade
 * or for a staff member, and identity fields that differ from the city database (the authoritative source).
 */
import type { Grade } from '../../canonical/enums.js';
import { isBirthRegistrationNumber } from '../../canonical/personal-id.js';
import type { BatchContext } from '../types.js';
import { startYearOf } from '../../canonical/school-year.js';
import { ageOn, rule, strField, yearOf, type Check } from './define.js';

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
  readsToday: true,
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
  readsToday: true,
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

export const personalIdCheck: Check = {
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

export const datesCheck: Check = {
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
function ageFitsGrade(
  birthYear: number,
  grade: Grade,
  startYear: number,
  tolerance: BatchContext['config']['ageTolerance'],
): boolean {
  const range = NOMINAL_AGE[grade];
  const age = startYear - birthYear;
  return age >= range[0] - tolerance.younger && age <= range[1] + tolerance.older;
}

export const ageForGradeCheck: Check = {
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

export const staffAgeCheck: Check = {
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

const IDENTITY_FIELDS = ['fullName', 'birthDate', 'sex', 'personalId'] as const;

export const cityConflictCheck: Check = {
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
