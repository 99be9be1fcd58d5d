/** Staff status code list (Trạng thái CB of the CSDL ngành staff export, DOMAIN §6.2). */
import type { StaffStatus } from '../enums.js';
import { defineCodeList, entriesOf } from './code-list.js';

/** Staff status. */
export const STAFF_STATUS_CODE_LIST = defineCodeList<StaffStatus>({
  id: 'staff-status',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source:
    'Codes and aliases: truc (no official code list found; CSDL ngành "Trạng thái CB" values not seen, DOMAIN.md §6.2).',
  entries: entriesOf([
    ['working', 'Đang làm việc', 'Working', ['Đang công tác', 'Đang làm', 'active']],
    [
      'on_leave',
      'Tạm nghỉ',
      'On leave',
      ['Nghỉ tạm thời', 'Nghỉ không lương', 'Nghỉ thai sản', 'Nghỉ dài hạn'],
    ],
    ['left', 'Nghỉ việc', 'Left', ['Thôi việc', 'Chuyển công tác', 'Chuyển đi', 'Đã nghỉ việc']],
    ['retired', 'Nghỉ hưu', 'Retired', ['Đã nghỉ hưu', 'Hưu']],
  ]),
});
