/** Staff status code list (Trạng thái CB of the CSDL ngành staff export, DOMAIN §6.2). */
import type { StaffStatus } from '../enums.js';
import { defineCodeList } from './code-list.js';

/** Staff status. */
export const STAFF_STATUS_CODE_LIST = defineCodeList<StaffStatus>({
  id: 'staff-status',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source:
    'Codes and aliases: truc (no official code list found; CSDL ngành "Trạng thái CB" values not seen, DOMAIN.md §6.2).',
  entries: [
    {
      code: 'working',
      labelVi: 'Đang làm việc',
      labelEn: 'Working',
      aliases: ['Đang công tác', 'Đang làm', 'active'],
    },
    {
      code: 'on_leave',
      labelVi: 'Tạm nghỉ',
      labelEn: 'On leave',
      aliases: ['Nghỉ tạm thời', 'Nghỉ không lương', 'Nghỉ thai sản', 'Nghỉ dài hạn'],
    },
    {
      code: 'left',
      labelVi: 'Nghỉ việc',
      labelEn: 'Left',
      aliases: ['Thôi việc', 'Chuyển công tác', 'Chuyển đi', 'Đã nghỉ việc'],
    },
    { code: 'retired', labelVi: 'Nghỉ hưu', labelEn: 'Retired', aliases: ['Đã nghỉ hưu', 'Hưu'] },
  ],
});
