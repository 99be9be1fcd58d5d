/** School level code list (cấp học). */
import type { SchoolLevel } from '../enums.js';
import { defineCodeList } from './code-list.js';

/**
 * School level. No official code list was found (DOMAIN.md §3.5 [NF]); codes are truc's own.
 * 'C1' is the CSDL ngành primary module path [T]; C2/C3 for lower/upper secondary are inferred [I],
 * matching the everyday 'cấp 1/2/3'.
 */
export const SCHOOL_LEVEL_CODE_LIST = defineCodeList<SchoolLevel>({
  id: 'school-level',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source:
    "Official school-level codes not found (DOMAIN.md §3.5); codes are truc's own. C1 = primary module " +
    'path of CSDL ngành [T]; C2/C3 inferred [I].',
  entries: [
    {
      code: 'preschool',
      labelVi: 'Mầm non',
      labelEn: 'Preschool',
      aliases: ['MN', 'Trường mầm non', 'Mẫu giáo', 'Trường mẫu giáo', 'Nhà trẻ', 'kindergarten'],
    },
    {
      code: 'primary',
      labelVi: 'Tiểu học',
      labelEn: 'Primary',
      aliases: ['TH', 'Trường tiểu học', 'Cấp 1', 'C1', 'primary school'],
    },
    {
      code: 'lower_secondary',
      labelVi: 'Trung học cơ sở',
      labelEn: 'Lower secondary',
      aliases: ['THCS', 'Trường THCS', 'Cấp 2', 'C2', 'lower secondary school'],
    },
    {
      code: 'upper_secondary',
      labelVi: 'Trung học phổ thông',
      labelEn: 'Upper secondary',
      aliases: ['THPT', 'Trường THPT', 'Cấp 3', 'C3', 'upper secondary school'],
    },
    {
      code: 'multi_level',
      labelVi: 'Phổ thông có nhiều cấp học',
      labelEn: 'Multi-level school',
      aliases: ['Nhiều cấp học', 'Liên cấp', 'TH-THCS', 'THCS-THPT', 'TH-THCS-THPT', 'multi-level'],
    },
    {
      code: 'continuing',
      labelVi: 'Giáo dục thường xuyên',
      labelEn: 'Continuing education',
      aliases: ['GDTX', 'Trung tâm GDTX', 'TTGDTX', 'GDNN-GDTX', 'Trung tâm GDNN-GDTX'],
    },
  ],
});
