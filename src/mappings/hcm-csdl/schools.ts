/**
 * hcm-csdl schools ⇄ canonical School. maDinhDanh ⇄ schoolCode, tenTruong ⇄ name (NFC), capHoc ⇄ level,
 * maTinh ⇄ provinceCode, maXa ⇄ communeCode, diaChi ⇄ address, dienThoai ⇄ phone, email ⇄ officialEmail,
 * website ⇄ website, trangThai ⇄ status.
 */
import {
  HCM_CSDL_LABELS,
  type School as WireSchool,
  type SchoolUpsert,
} from '../../adapters/hcm-csdl/schema.js';
import { defineCodeList } from '../../canonical/codes/code-list.js';
import { SCHOOL_LEVEL_CODE_LIST } from '../../canonical/codes/school-level.js';
import type { SchoolStatus } from '../../canonical/enums.js';
import { SchoolSchema, type School } from '../../canonical/school.js';
import { cleanText, requiredText } from '../common.js';
import type { EntityMapping, MapResult } from '../types.js';
import { Findings, code, finish } from './shared.js';

/**
 * School status as hcm-csdl spells it. The canonical model has no list for it (two codes), so this
 * mapping holds one; its spellings are the model's (DOMAIN §6.2 does not show the real values).
 */
const HCM_CSDL_SCHOOL_STATUS = defineCodeList<SchoolStatus>({
  id: 'hcm-csdl/school-status',
  version: '1',
  effectiveFrom: '2025-07-01',
  source: 'truc model of hcm-csdl (no public specification, DOMAIN.md §6.3).',
  entries: [
    { code: 'active', labelVi: 'Đang hoạt động', labelEn: 'Active', aliases: ['Hoạt động'] },
    {
      code: 'closed',
      labelVi: 'Ngừng hoạt động',
      labelEn: 'Closed',
      aliases: ['Giải thể', 'Đã giải thể', 'Đóng cửa'],
    },
  ],
});

/** A school record as the mapping reads it: a read record or an upsert. */
export type HcmCsdlSchoolIn = Omit<WireSchool, 'updatedAt' | 'deleted'> & { updatedAt?: string };

const POINTERS: Record<keyof School, string> = {
  schoolCode: '/maDinhDanh',
  name: '/tenTruong',
  level: '/capHoc',
  provinceCode: '/maTinh',
  communeCode: '/maXa',
  address: '/diaChi',
  phone: '/dienThoai',
  officialEmail: '/email',
  website: '/website',
  status: '/trangThai',
};

function toCanonical(wire: HcmCsdlSchoolIn): MapResult<School> {
  const f = new Findings();
  const draft = {
    schoolCode: requiredText(wire.maDinhDanh, '/maDinhDanh', f.list),
    name: requiredText(wire.tenTruong, '/tenTruong', f.list),
    level: code(SCHOOL_LEVEL_CODE_LIST, wire.capHoc, '/capHoc', f, true),
    provinceCode: requiredText(wire.maTinh, '/maTinh', f.list),
    communeCode: requiredText(wire.maXa, '/maXa', f.list),
    address: cleanText(wire.diaChi),
    phone: cleanText(wire.dienThoai),
    officialEmail: cleanText(wire.email),
    website: cleanText(wire.website),
    status: code(HCM_CSDL_SCHOOL_STATUS, wire.trangThai, '/trangThai', f, true),
  };
  return finish(SchoolSchema, draft, POINTERS, f);
}

function fromCanonical(s: School): SchoolUpsert {
  return {
    maDinhDanh: s.schoolCode,
    tenTruong: s.name,
    capHoc: HCM_CSDL_LABELS.schoolLevel[s.level],
    maTinh: s.provinceCode,
    maXa: s.communeCode,
    ...(s.address !== undefined ? { diaChi: s.address } : {}),
    ...(s.phone !== undefined ? { dienThoai: s.phone } : {}),
    ...(s.officialEmail !== undefined ? { email: s.officialEmail } : {}),
    ...(s.website !== undefined ? { website: s.website } : {}),
    trangThai: HCM_CSDL_LABELS.schoolStatus[s.status],
  };
}

/** hcm-csdl schools mapping. */
export const hcmCsdlSchools: EntityMapping<HcmCsdlSchoolIn, School, SchoolUpsert> = {
  version: 'hcm-csdl/schools@2',
  toCanonical,
  validatedBy: SchoolSchema,
  fromCanonical,
};
