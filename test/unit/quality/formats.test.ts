/**
 * The same fact is one finding in every format: an empty personal ID is absent, a legacy 9-digit
 * CMND is DUNG_PERSONAL_ID_LEGACY and a malformed ID DUNG_PERSONAL_ID_FORMAT, whether the record
 * arrives in truc's canonical format, SMAS, vnEdu or hcm-csdl; parents, their phone and a school's
 * official contacts map from every wire that has them.
 */
import { describe, expect, it } from 'vitest';
import { hcmCsdlSchools, hcmCsdlStudents } from '../../../src/mappings/hcm-csdl/index.js';
import { smasStudents } from '../../../src/mappings/smas/index.js';
import { vneduStudents } from '../../../src/mappings/vnedu/index.js';
import { hcmCsdlStudent } from '../../factories/wire.js';
import { CLEAN, codes, runInput } from './helpers.js';

const now = () => new Date('2025-10-01T03:00:00Z');
const ctx = { now, schoolCode: '79000001', schoolYear: '2025-2026' };

/** The personal-ID finding codes (and the ID kept) for one typed value, in each format. */
function acrossFormats(typed: string) {
  const smas = smasStudents.toCanonical(
    {
      MaHocSinh: 'HS1',
      HoVaTen: 'Nguyễn Văn An',
      NgaySinh: '05/09/2018',
      GioiTinh: 'Nam',
      DanToc: 'Kinh',
      TrangThai: 'Đang học',
      SoCCCD: typed,
    },
    ctx,
  );
  const vnedu = vneduStudents.toCanonical(
    {
      student_id: 'HS1',
      full_name: 'Nguyễn Văn An',
      dob: '2018-09-05',
      gender: 1,
      ethnic_id: 1,
      status_id: 1,
      citizen_id: typed,
    },
    ctx,
  );
  const hcm = hcmCsdlStudents.toCanonical(hcmCsdlStudent('HS1', { soDinhDanhCaNhan: typed }), ctx);
  const idRules = (fs: readonly { rule: string }[]) =>
    fs.map((f) => f.rule).filter((r) => r.startsWith('DUNG_PERSONAL_ID'));
  return {
    smas: { rules: idRules(smas.findings), id: smas.ok ? smas.value.personalId : 'refused' },
    vnedu: { rules: idRules(vnedu.findings), id: vnedu.ok ? vnedu.value.personalId : 'refused' },
    hcm: { rules: idRules(hcm.findings), id: hcm.ok ? hcm.value.personalId : 'refused' },
  };
}

async function canonical(typed: string) {
  const r = await runInput('students', [{ ...CLEAN.students, personalId: typed }]);
  return {
    rules: codes(r, 0).filter((c) => c.startsWith('DUNG_PERSONAL_ID')),
    id: r.records[0]?.['personalId'],
  };
}

describe('personal ID: one judgement in every format', () => {
  it.each([
    ['a legacy 9-digit CMND', '023 456 789', ['DUNG_PERSONAL_ID_LEGACY']],
    ['a malformed ID', '07931901234X', ['DUNG_PERSONAL_ID_FORMAT']],
    ['an empty ID', '', []],
    ['a blank ID', '   ', []],
  ])('%s', async (_name, typed, expected) => {
    const wires = acrossFormats(typed);
    for (const got of Object.values(wires)) expect(got).toEqual({ rules: expected, id: undefined });
    expect(await canonical(typed)).toEqual({ rules: expected, id: undefined });
  });

  it('a well-formed ID typed with spaces and dots is the same 12 digits everywhere', async () => {
    for (const got of Object.values(acrossFormats('0793.1901 2345')))
      expect(got).toEqual({ rules: [], id: '079319012345' });
    expect(await canonical('0793.1901 2345')).toEqual({ rules: [], id: '079319012345' });
  });
});

describe('new canonical fields from the wires', () => {
  it('hcm-csdl: parents, their phone; a school’s official e-mail and website', () => {
    const st = hcmCsdlStudents.toCanonical(
      hcmCsdlStudent('HS1', {
        hoTenCha: 'Nguyễn Văn Hùng',
        hoTenMe: 'Lê  Thị Lan',
        dienThoaiLienHe: '0903 123 456',
      }),
      ctx,
    );
    expect(st.ok && st.value).toMatchObject({
      fatherName: 'Nguyễn Văn Hùng',
      motherName: 'Lê Thị Lan',
      phone: '0903123456',
    });
    const school = hcmCsdlSchools.toCanonical(
      {
        maDinhDanh: '79000001',
        tenTruong: 'Trường Tiểu học Kim Đồng',
        capHoc: 'Tiểu học',
        maTinh: '79',
        maXa: '25747',
        trangThai: 'Đang hoạt động',
        email: 'THKimDong@hcm.edu.vn',
        website: 'https://thkimdong.hcm.edu.vn',
      },
      ctx,
    );
    expect(school.ok && school.value).toMatchObject({
      officialEmail: 'thkimdong@hcm.edu.vn',
      website: 'https://thkimdong.hcm.edu.vn',
    });
  });
});
