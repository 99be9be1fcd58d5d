/** Student status code list (Trạng thái HS of the CSDL ngành student export, DOMAIN §6.2). */
import type { StudentStatus } from '../enums.js';
import { defineCodeList, entriesOf } from './code-list.js';

/** Student status. Codes are truc's own; the Vietnamese labels are the CSDL ngành values. */
export const STUDENT_STATUS_CODE_LIST = defineCodeList<StudentStatus>({
  id: 'student-status',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source:
    'Codes: truc (no official code list found). Labels: CSDL ngành export "Trạng thái HS" values seen in ' +
    'public school-app code (DOMAIN.md §6.2); the full 12-value list was not found.',
  entries: entriesOf([
    ['studying', 'Đang học', 'Studying', ['active', 'enrolled']],
    ['transferred_in', 'Chuyển đến', 'Transferred in', ['Chuyển trường đến', 'Học sinh chuyển đến']],
    [
      'transferred_out',
      'Chuyển đi',
      'Transferred out',
      ['Chuyển trường đi', 'Chuyển trường', 'Học sinh chuyển đi'],
    ],
    ['dropped_out', 'Thôi học', 'Dropped out', ['Bỏ học', 'dropout']],
    ['returned', 'Nghỉ học xin học lại', 'Returned after leaving', ['Xin học lại', 'Quay lại học']],
    ['suspended', 'Tạm nghỉ', 'Suspended (temporary leave)', ['Tạm nghỉ học']],
    ['repeating', 'Lưu ban', 'Repeating the grade', ['Ở lại lớp', 'repeater']],
    [
      'completed',
      'Hoàn thành chương trình',
      'Completed the programme',
      ['Hoàn thành CT', 'Hoàn thành chương trình lớp học', 'HTCT'],
    ],
    ['graduated', 'Tốt nghiệp', 'Graduated', ['Đã tốt nghiệp']],
    ['deceased', 'Đã mất', 'Deceased', ['Qua đời', 'Tử vong', 'Chết', 'died']],
  ]),
});
