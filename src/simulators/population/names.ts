/**
 * Vietnamese name and school-name tables (NFC), with rough frequencies for southern Vietnam.
 * Frequencies are plausible, not statistics: this is synthetic data.
 */
import { weighted, type Rng } from './prng.js';
import type { SchoolLevel, Sex } from '../../canonical/enums.js';

/** Splits a `|`-separated table into NFC strings (compact tables that formatters leave alone). */
const list = (table: string): string[] => table.split('|').map((s) => s.trim().normalize('NFC'));

/** Family names with weights (Nguyễn about 38 %; Huỳnh and Võ common in the south). */
const FAMILY = weighted(
  list(
    'Nguyễn:380|Trần:110|Lê:95|Phạm:70|Huỳnh:35|Hoàng:15|Phan:45|Võ:30|Vũ:10|Đặng:20|Bùi:20|Đỗ:15|Hồ:13|' +
      'Ngô:13|Dương:10|Lý:5|Trương:12|Đinh:6|Lâm:7|Mai:5|Tô:3|Châu:4|Tạ:2|Quách:2|Thái:3|Lưu:4|La:2',
  ).map((row) => {
    const [name, weight] = row.split(':');
    return [name as string, Number(weight)] as const;
  }),
);

const MIDDLE_MALE = list('Văn|Minh|Gia|Bảo|Hoàng|Quốc|Đức|Anh|Thành|Tuấn|Hữu|Trọng|Nhật|Thiên|Đăng|Công');
const MIDDLE_FEMALE = list('Thị|Ngọc|Thanh|Bảo|Gia|Khánh|Minh|Phương|Thảo|Hoàng|Mai|Kim|Quỳnh|Tuệ|Như|Cát');
const GIVEN_MALE = list(
  'An|Bình|Khang|Khôi|Phúc|Huy|Minh|Nam|Long|Quân|Tuấn|Dũng|Hùng|Kiệt|Lâm|Nhân|Phát|Sơn|Tài|Thắng|Thịnh|' +
    'Trí|Trung|Vinh|Vũ|Hải|Đạt|Duy|Hiếu|Khoa|Lộc|Nghĩa|Phong|Quang|Tâm|Thiện|Toàn|Bảo|Đăng',
);
const GIVEN_FEMALE = list(
  'Anh|Vy|Ngân|Linh|Trang|Hân|Hương|Lan|Mai|My|Nhi|Như|Thư|Trâm|Uyên|Vân|Yến|Châu|Diệp|Giang|Hà|Hạnh|' +
    'Hoa|Huyền|Khánh|Loan|Ngọc|Nhung|Oanh|Phương|Quyên|Tâm|Thảo|Thủy|Tiên|Trinh|Tuyết|Xuân|Đào',
);

/** A realistic full name: họ + one or two đệm + tên. Women born before 1995 mostly carry 'Thị'. */
export function fullNameOf(rng: Rng, sex: Sex, birthYear: number): string {
  const family = FAMILY.pick(rng.next());
  const middles = sex === 'male' ? MIDDLE_MALE : MIDDLE_FEMALE;
  const traditional = rng.chance(birthYear < 1995 ? 0.7 : 0.25);
  const first = traditional ? (middles[0] as string) : rng.pick(middles);
  const second = rng.chance(0.15) ? ` ${rng.pick(middles.slice(1))}` : '';
  const given = rng.pick(sex === 'male' ? GIVEN_MALE : GIVEN_FEMALE);
  return `${family} ${first}${second} ${given}`;
}

/** People and places schools and streets are named after. */
const NAMESAKES = list(
  'Nguyễn Văn Trỗi|Lê Quý Đôn|Nguyễn Thị Minh Khai|Trần Đại Nghĩa|Lê Hồng Phong|Nguyễn Du|Trần Hưng Đạo|' +
    'Lê Lợi|Nguyễn Trãi|Chu Văn An|Võ Thị Sáu|Phan Bội Châu|Phan Châu Trinh|Nguyễn Đình Chiểu|Trương Định|' +
    'Hùng Vương|Lý Thường Kiệt|Hai Bà Trưng|Nguyễn Bỉnh Khiêm|Trần Quốc Toản|Lê Văn Tám|Kim Đồng|' +
    'Nguyễn Hiền|Lương Thế Vinh|Nguyễn Khuyến|Trần Phú|Võ Trường Toản|Nguyễn An Ninh|Hoàng Hoa Thám|' +
    'Đinh Tiên Hoàng|Nguyễn Huệ|Lê Văn Duyệt|Trương Vĩnh Ký|Huỳnh Thúc Kháng|Nguyễn Thái Học|Điện Biên Phủ|' +
    'Bình Trị Đông|Tân Sơn Nhì|Phú Lâm|An Lạc|Bến Thành|Thủ Thiêm|Long Trường|Thạnh Mỹ Lợi',
);
const PRESCHOOL_NAMES = list(
  'Hoa Mai|Sơn Ca|Họa Mi|Hoa Sen|Tuổi Thơ|Vành Khuyên|Rạng Đông|Sao Mai|Hướng Dương|Thỏ Ngọc|Búp Bê|' +
    'Măng Non|Hoa Hồng|Bông Sen|Sen Hồng|Tuổi Ngọc|Hoa Lan|Bình Minh|Ánh Dương|Hoa Phượng|Thiên Thần Nhỏ|Sóc Nâu',
);
const LEVEL_PREFIX: Record<SchoolLevel, string> = {
  preschool: 'Trường Mầm non',
  primary: 'Trường Tiểu học',
  lower_secondary: 'Trường THCS',
  upper_secondary: 'Trường THPT',
  multi_level: 'Trường Tiểu học, THCS và THPT',
  continuing: 'Trung tâm Giáo dục thường xuyên',
};

/** A school name such as 'Trường Tiểu học Nguyễn Văn Trỗi' (names repeat across communes, as in reality). */
export function schoolNameOf(rng: Rng, level: SchoolLevel): string {
  const base = level === 'preschool' && rng.chance(0.7) ? rng.pick(PRESCHOOL_NAMES) : rng.pick(NAMESAKES);
  return `${LEVEL_PREFIX[level].normalize('NFC')} ${base}`;
}

/** A street name for addresses. */
export function streetOf(rng: Rng): string {
  return rng.pick(NAMESAKES);
}

/** Subject codes (English snake_case) of secondary teachers. */
export const SUBJECTS: readonly string[] = list(
  'math|literature|english|physics|chemistry|biology|history|geography|informatics|civic_education|' +
    'physical_education|music|fine_arts|technology',
);

/** A parent's full name: the father carries the child's family name (the usual practice), the mother her own. */
export function parentNameOf(rng: Rng, sex: Sex, birthYear: number, familyName?: string): string {
  const name = fullNameOf(rng, sex, birthYear);
  return familyName === undefined ? name : `${familyName}${name.slice(name.indexOf(' '))}`;
}

/** ASCII lower-case letters of a Vietnamese text (đ → d, diacritics dropped, everything else out). */
export function asciiSlugOf(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
