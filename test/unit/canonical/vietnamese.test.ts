import { describe, expect, it } from 'vitest';
import {
  isProperCaseName,
  isVietnameseSyllable,
  properCaseName,
  repairMojibake,
} from '../../../src/canonical/vietnamese.js';
import { toTcvn3Mojibake, toVniMojibake } from '../../../src/canonical/legacy-encodings.js';

const NAMES = [
  'Nguyễn Văn An',
  'Trần Thị Hồng Nhung',
  'Lê Hoàng Đức',
  'Phạm Ngọc Ánh',
  'Bùi Thị Mỹ Duyên',
  'Huỳnh Quốc Bảo',
  'Đặng Thị Ngọc Hân',
  'Võ Trường Giang',
  'Dương Thị Thủy',
  'Ngô Bảo Châu',
  'Trịnh Xuân Thanh',
  'Lương Thế Vinh',
];

describe('isVietnameseSyllable', () => {
  it.each(['nguyễn', 'Trường', 'khuyến', 'nghiêng', 'quốc', 'giữa', 'Ánh', 'oanh', 'thuở', 'khuỷu'])(
    '%s is',
    (w) => {
      expect(isVietnameseSyllable(w)).toBe(true);
    },
  );
  it.each(['Nguyeãn', 'Vaên', 'NguyÔn', 'Tröôøng', 'Ksor', 'Müller', 'ááá'])('%s is not', (w) => {
    expect(isVietnameseSyllable(w)).toBe(false);
  });
});

describe('properCaseName', () => {
  it.each([
    ['NGUYỄN VĂN AN', 'Nguyễn Văn An'],
    ['nguyễn thị a', 'Nguyễn Thị A'],
    ["h'hen niê", "H'Hen Niê"],
    ['y-moan ênuôl', 'Y-Moan Ênuôl'],
    ['ĐẶNG THỊ ĐÀO', 'Đặng Thị Đào'],
    ['McDonald', 'McDonald'],
  ])('%s → %s', (input, output) => {
    expect(properCaseName(input)).toBe(output);
    expect(isProperCaseName(output)).toBe(true);
  });
});

describe('repairMojibake', () => {
  it.each(NAMES)('repairs the VNI and TCVN3 forms of %s', (name) => {
    expect(repairMojibake(toVniMojibake(name))).toEqual({ kind: 'repaired', encoding: 'vni', value: name });
    const tcvn3 = repairMojibake(toTcvn3Mojibake(name));
    expect(tcvn3.kind).toBe('repaired');
    // TCVN3 has no upper-case toned letters: Ánh comes back as ánh, which proper case then fixes.
    if (tcvn3.kind === 'repaired') expect(properCaseName(tcvn3.value)).toBe(name);
  });

  it.each([
    ...NAMES,
    'Müller',
    'Muñoz',
    "H'Hen Niê",
    'Y-Moan Ênuôl',
    'Ksor Rmah',
    'José',
    'Tô Văn Ba',
    'Hoàng Thuý',
  ])('leaves %s alone', (name) => {
    expect(repairMojibake(name)).toEqual({ kind: 'clean' });
    expect(repairMojibake(name.normalize('NFD')).kind).toBe('clean');
  });

  it('repairs upper-case VNI and mixed text (an address with digits)', () => {
    expect(repairMojibake('NGUYEÃN VAÊN AN')).toMatchObject({ value: 'NGUYỄN VĂN AN' });
    expect(repairMojibake('12 Ñöôøng Traàn Höng Ñaïo')).toMatchObject({ value: '12 Đường Trần Hưng Đạo' });
    expect(repairMojibake('12 §­êng TrÇn H­ng §¹o')).toMatchObject({ value: '12 Đường Trần Hưng Đạo' });
  });

  it('refuses TCVN3-looking text it cannot explain', () => {
    expect(repairMojibake('§¸¸¸ xyz')).toEqual({ kind: 'unrepairable' });
  });
});
