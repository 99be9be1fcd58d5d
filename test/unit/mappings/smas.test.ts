import { describe, expect, it } from 'vitest';
import type { SmasClass, SmasStaff, SmasStudent } from '../../../src/adapters/smas/schema.js';
import { smasRecordSchemas } from '../../../src/adapters/smas/schema.js';
import { smasMappings } from '../../../src/mappings/smas/index.js';
import type { MapContext } from '../../../src/mappings/types.js';
import {
  now,
  runSchoolSystemMappings,
  sampleClass,
  sampleStaff,
  sampleStudent,
} from '../../helpers/school-system-mappings.js';

describe('canonical → SMAS uses SMAS spellings', () => {
  const ctx: MapContext = { now };
  it('student', () => {
    expect(smasMappings.students.fromCanonical(sampleStudent, ctx)).toStrictEqual({
      MaHocSinh: 'HS7900000100001',
      MaTruong: '79000001',
      HoVaTen: 'Nguyễn Văn An',
      NgaySinh: '05/09/2013',
      GioiTinh: 'Nam',
      DanToc: 'Khơ-me',
      SoCCCD: '079213000101',
      MaLop: '79000001-2025-6A1',
      KhoiHoc: '6',
      NamHoc: '2025-2026',
      TrangThai: 'Chuyển đến',
      NgayTrangThai: '05/09/2025',
      LoaiKhuyetTat: 'Khó khăn về ngôn ngữ',
      MaXaThuongTru: '26734',
      HoTenCha: 'Nguyễn Văn Hùng',
      HoTenMe: 'Lê Thị Lan',
      HoTenNguoiGiamHo: 'Trần Văn Bình',
      DienThoaiLienHe: '0903123456',
    } satisfies SmasStudent);
  });
  it('staff', () => {
    const wire = smasMappings.staff.fromCanonical(sampleStaff, ctx);
    expect(wire).toMatchObject({
      GioiTinh: 'Nữ',
      DanToc: "H'Mông",
      ChucVu: 'Phó hiệu trưởng',
      MonDay: 'Toán, Tin học',
      TrangThai: 'Đã nghỉ việc',
    } satisfies Partial<SmasStaff>);
  });
  it('class', () => {
    expect(smasMappings.classes.fromCanonical(sampleClass, ctx)).toStrictEqual({
      MaLop: '79000001-2025-MG5-1',
      MaTruong: '79000001',
      TenLop: 'Lá 1',
      KhoiHoc: 'MG5',
      NamHoc: '2025-2026',
      MaGVCN: 'CB790000010001',
    } satisfies SmasClass);
  });
});

const GARBAGE: unknown[] = [
  {},
  { MaHocSinh: 12, HoVaTen: ['x'], NgaySinh: { d: 1 }, GioiTinh: null, DanToc: true, TrangThai: 7 },
  { MaCanBo: null, ChucVu: 3, MonDay: 42, TrangThai: '' },
  { MaLop: '', KhoiHoc: {}, NamHoc: 2025 },
];

runSchoolSystemMappings('smas', smasMappings, {
  label: 'SMAS',
  recordSchemas: smasRecordSchemas,
  nameField: 'HoVaTen',
  nfcName: 'Nguyễn Văn An',
  garbage: GARBAGE,
});
