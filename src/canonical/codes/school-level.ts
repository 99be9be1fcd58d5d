/** School level code list (cấp học). */
import type { SchoolLevel } from '../enums.js';
import { defineCodeList, entriesOf } from './code-list.js';

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
  entries: entriesOf([
    [
      'preschool',
      'Mầm non',
      'Preschool',
      ['MN', 'Trường mầm non', 'Mẫu giáo', 'Trường mẫu giáo', 'Nhà trẻ', 'kindergarten'],
    ],
    ['primary', 'Tiểu học', 'Primary', ['TH', 'Trường tiểu học', 'Cấp 1', 'C1', 'primary school']],
    [
      'lower_secondary',
      'Trung học cơ sở',
      'Lower secondary',
      ['THCS', 'Trường THCS', 'Cấp 2', 'C2', 'lower secondary school'],
    ],
    [
      'upper_secondary',
      'Trung học phổ thông',
      'Upper secondary',
      ['THPT', 'Trường THPT', 'Cấp 3', 'C3', 'upper secondary school'],
    ],
    [
      'multi_level',
      'Phổ thông có nhiều cấp học',
      'Multi-level school',
      ['Nhiều cấp học', 'Liên cấp', 'TH-THCS', 'THCS-THPT', 'TH-THCS-THPT', 'multi-level'],
    ],
    [
      'continuing',
      'Giáo dục thường xuyên',
      'Continuing education',
      ['GDTX', 'Trung tâm GDTX', 'TTGDTX', 'GDNN-GDTX', 'Trung tâm GDNN-GDTX'],
    ],
  ]),
});
