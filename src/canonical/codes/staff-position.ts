/** Staff position code list (Nhóm chức vụ / Vị trí việc làm of the CSDL ngành staff export, DOMAIN §6.2). */
import type { StaffPosition } from '../enums.js';
import { defineCodeList, entriesOf } from './code-list.js';

/** Staff position. */
export const STAFF_POSITION_CODE_LIST = defineCodeList<StaffPosition>({
  id: 'staff-position',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source:
    'Codes and aliases: truc (no official code list found; CSDL ngành "Nhóm chức vụ" values not seen, ' +
    'DOMAIN.md §6.2). Giám đốc / Phó Giám đốc head continuing-education centres.',
  entries: entriesOf([
    ['principal', 'Hiệu trưởng', 'Principal', ['HT', 'Giám đốc', 'head teacher', 'headmaster']],
    [
      'vice_principal',
      'Phó hiệu trưởng',
      'Vice principal',
      ['PHT', 'P.HT', 'Phó Giám đốc', 'deputy principal'],
    ],
    ['teacher', 'Giáo viên', 'Teacher', ['GV', 'Giáo viên chủ nhiệm', 'GVCN', 'Giáo viên bộ môn', 'GVBM']],
    [
      'staff',
      'Nhân viên',
      'Staff',
      ['NV', 'Kế toán', 'Văn thư', 'Thủ quỹ', 'Thư viện', 'Thiết bị', 'Y tế', 'Bảo vệ', 'Phục vụ'],
    ],
  ]),
});
