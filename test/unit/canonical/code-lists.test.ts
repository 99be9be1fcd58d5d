import { describe, expect, it } from 'vitest';
import {
  DISABILITY_CODE_LIST,
  DISABILITY_VALUES,
  ETHNICITY_CODE_LIST,
  GRADE_CODE_LIST,
  GRADE_VALUES,
  SCHOOL_LEVEL_CODE_LIST,
  SCHOOL_LEVEL_VALUES,
  SEX_CODE_LIST,
  SEX_VALUES,
  STAFF_POSITION_CODE_LIST,
  STAFF_POSITION_VALUES,
  STAFF_STATUS_CODE_LIST,
  STAFF_STATUS_VALUES,
  STUDENT_STATUS_CODE_LIST,
  STUDENT_STATUS_VALUES,
  EthnicityCodeSchema,
  codesOf,
  foldKey,
  isIsoDate,
  resolveCode,
  type CodeList,
} from '../../../src/canonical/index.js';

const LISTS: readonly [string, CodeList, readonly string[]][] = [
  ['sex', SEX_CODE_LIST, SEX_VALUES],
  ['school-level', SCHOOL_LEVEL_CODE_LIST, SCHOOL_LEVEL_VALUES],
  ['grade', GRADE_CODE_LIST, GRADE_VALUES],
  ['student-status', STUDENT_STATUS_CODE_LIST, STUDENT_STATUS_VALUES],
  ['staff-position', STAFF_POSITION_CODE_LIST, STAFF_POSITION_VALUES],
  ['staff-status', STAFF_STATUS_CODE_LIST, STAFF_STATUS_VALUES],
  ['disability', DISABILITY_CODE_LIST, DISABILITY_VALUES],
];

describe.each(LISTS)('code list %s', (id, list, values) => {
  it('has exactly the codes of its zod enum, with metadata', () => {
    expect(list.id).toBe(id);
    expect(codesOf(list)).toEqual([...values]);
    expect(list.version).toMatch(/\S/);
    expect(isIsoDate(list.effectiveFrom)).toBe(true);
    expect(list.source.length).toBeGreaterThan(10);
  });

  it('resolves every code, label and alias to its own code, in any case or Unicode form and without diacritics', () => {
    for (const entry of list.entries) {
      for (const spelling of [entry.code, entry.labelVi, entry.labelEn, ...entry.aliases]) {
        expect(resolveCode(list, spelling), spelling).toBe(entry.code);
        expect(resolveCode(list, ` ${spelling.toUpperCase().normalize('NFD')} `), spelling).toBe(entry.code);
        expect(resolveCode(list, foldKey(spelling)), spelling).toBe(entry.code);
      }
    }
  });
});

describe('ethnicity code list', () => {
  it('has 56 codes 01..56, all valid for the schema', () => {
    const codes = codesOf(ETHNICITY_CODE_LIST);
    expect(codes).toHaveLength(56);
    expect(codes).toEqual(Array.from({ length: 56 }, (_, i) => String(i + 1).padStart(2, '0')));
    for (const code of codes) expect(EthnicityCodeSchema.safeParse(code).success).toBe(true);
  });

  it('resolves every label and alias to its own code', () => {
    for (const entry of ETHNICITY_CODE_LIST.entries) {
      for (const spelling of [entry.labelVi, entry.labelEn, ...entry.aliases]) {
        expect(resolveCode(ETHNICITY_CODE_LIST, spelling), spelling).toBe(entry.code);
      }
    }
  });

  it.each([
    ['Kinh', '01'],
    ['kinh', '01'],
    ['1', '01'],
    [1, '01'],
    ['01', '01'],
    ['9', '09'],
    ['10', '10'],
    ['Tày', '02'],
    ['Tay', '02'],
    ['Khmer', '05'],
    ['Khơ-me', '05'],
    ['Khơ me', '05'],
    ['KHOME', '05'],
    ['Mông', '08'],
    ["H'Mông", '08'],
    ['H’Mông', '08'],
    ['Hmong', '08'],
    ['HMông', '08'],
    ['Ê Đê', '12'],
    ['Ê-đê', '12'],
    ['Ede', '12'],
    ['Bana', '13'],
    ['Ba na', '13'],
    ['Ba-Na', '13'],
    ['Xơ Đăng', '14'],
    ['Gia Rai', '10'],
    ['Jrai', '10'],
    ["M'Nông", '20'],
    ['Chàm', '17'],
    ['Co', '30'],
    ['Cơ Lao', '47'],
    ['Lào', '37'],
    ['Mạ', '28'],
    ['Rơ Măm', '54'],
    ['Người nước ngoài', '55'],
    ['Không rõ', '56'],
  ] as const)('%j → %s', (raw, code) => {
    expect(resolveCode(ETHNICITY_CODE_LIST, raw)).toBe(code);
  });

  it.each(['57', '0', '00', 'Việt Nam', 'Hà Nội', ''])('%j → undefined', (raw) => {
    expect(resolveCode(ETHNICITY_CODE_LIST, raw)).toBeUndefined();
  });
});

describe('alias tables', () => {
  it.each([
    [SEX_CODE_LIST, 'Nam', 'male'],
    [SEX_CODE_LIST, 'nam', 'male'],
    [SEX_CODE_LIST, 'M', 'male'],
    [SEX_CODE_LIST, '1', 'male'],
    [SEX_CODE_LIST, 'male', 'male'],
    [SEX_CODE_LIST, 'Nữ', 'female'],
    [SEX_CODE_LIST, 'nu', 'female'],
    [SEX_CODE_LIST, 'NỮ', 'female'],
    [SEX_CODE_LIST, 'F', 'female'],
    [SEX_CODE_LIST, '2', 'female'],
    [SEX_CODE_LIST, 'female', 'female'],
    [GRADE_CODE_LIST, 'Lớp 1', '1'],
    [GRADE_CODE_LIST, '1', '1'],
    [GRADE_CODE_LIST, 'lop1', '1'],
    [GRADE_CODE_LIST, 'lop 1', '1'],
    [GRADE_CODE_LIST, 'LỚP 12', '12'],
    [GRADE_CODE_LIST, 'Khối 9', '9'],
    [GRADE_CODE_LIST, '09', '9'],
    [GRADE_CODE_LIST, 'MG5', 'kg5'],
    [GRADE_CODE_LIST, 'Mẫu giáo 5 tuổi', 'kg5'],
    [GRADE_CODE_LIST, 'mau giao 5 tuoi', 'kg5'],
    [GRADE_CODE_LIST, 'Lá', 'kg5'],
    [GRADE_CODE_LIST, 'Chồi', 'kg4'],
    [GRADE_CODE_LIST, 'Mầm', 'kg3'],
    [GRADE_CODE_LIST, 'Nhà trẻ', 'nursery'],
    [GRADE_CODE_LIST, 'nha tre', 'nursery'],
    [SCHOOL_LEVEL_CODE_LIST, 'THCS', 'lower_secondary'],
    [SCHOOL_LEVEL_CODE_LIST, 'Trung học phổ thông', 'upper_secondary'],
    [SCHOOL_LEVEL_CODE_LIST, 'tieu hoc', 'primary'],
    [SCHOOL_LEVEL_CODE_LIST, 'Mầm non', 'preschool'],
    [SCHOOL_LEVEL_CODE_LIST, 'TH-THCS', 'multi_level'],
    [SCHOOL_LEVEL_CODE_LIST, 'GDTX', 'continuing'],
    [STUDENT_STATUS_CODE_LIST, 'Đang học', 'studying'],
    [STUDENT_STATUS_CODE_LIST, 'dang hoc', 'studying'],
    [STUDENT_STATUS_CODE_LIST, 'Chuyển đến', 'transferred_in'],
    [STUDENT_STATUS_CODE_LIST, 'Chuyển đi', 'transferred_out'],
    [STUDENT_STATUS_CODE_LIST, 'Thôi học', 'dropped_out'],
    [STUDENT_STATUS_CODE_LIST, 'Nghỉ học xin học lại', 'returned'],
    [STUDENT_STATUS_CODE_LIST, 'Tạm nghỉ', 'suspended'],
    [STUDENT_STATUS_CODE_LIST, 'Lưu ban', 'repeating'],
    [STUDENT_STATUS_CODE_LIST, 'Hoàn thành chương trình', 'completed'],
    [STUDENT_STATUS_CODE_LIST, 'Tốt nghiệp', 'graduated'],
    [STUDENT_STATUS_CODE_LIST, 'Đã mất', 'deceased'],
    [STAFF_POSITION_CODE_LIST, 'Hiệu trưởng', 'principal'],
    [STAFF_POSITION_CODE_LIST, 'Phó Hiệu trưởng', 'vice_principal'],
    [STAFF_POSITION_CODE_LIST, 'GV', 'teacher'],
    [STAFF_POSITION_CODE_LIST, 'Kế toán', 'staff'],
    [STAFF_STATUS_CODE_LIST, 'Đang làm việc', 'working'],
    [STAFF_STATUS_CODE_LIST, 'Nghỉ hưu', 'retired'],
    [STAFF_STATUS_CODE_LIST, 'Chuyển công tác', 'left'],
    [STAFF_STATUS_CODE_LIST, 'Nghỉ thai sản', 'on_leave'],
    [DISABILITY_CODE_LIST, 'Khiếm thị', 'visual'],
    [DISABILITY_CODE_LIST, 'Khiếm thính', 'hearing'],
    [DISABILITY_CODE_LIST, 'Khuyết tật vận động', 'physical'],
    [DISABILITY_CODE_LIST, 'Khuyết tật trí tuệ', 'intellectual'],
    [DISABILITY_CODE_LIST, 'Đa tật', 'multiple'],
    [DISABILITY_CODE_LIST, 'Không', 'none'],
  ] as const)('%#: %j → %s', (list, raw, code) => {
    expect(resolveCode(list as CodeList, raw)).toBe(code);
  });

  it.each([
    [SEX_CODE_LIST, 'X'],
    [SEX_CODE_LIST, '3'],
    [GRADE_CODE_LIST, '13'],
    [GRADE_CODE_LIST, 'Lớp 13'],
    [GRADE_CODE_LIST, '0'],
    [STUDENT_STATUS_CODE_LIST, 'Nghỉ học'],
    [DISABILITY_CODE_LIST, 'Khuyết tật nghe, nói'],
    [SCHOOL_LEVEL_CODE_LIST, 'Đại học'],
  ] as const)('%#: %j → undefined', (list, raw) => {
    expect(resolveCode(list as CodeList, raw)).toBeUndefined();
  });
});
