/** Student status code list (Trạng thái HS of the CSDL ngành student export, DOMAIN §6.2). */
import type { StudentStatus } from '../enums.js';
import { defineCodeList } from './code-list.js';

/** Student status. Codes are truc's own; the Vietnamese labels are the CSDL ngành values. */
export const STUDENT_STATUS_CODE_LIST = defineCodeList<StudentStatus>({
  id: 'student-status',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source:
    'Codes: truc (no official code list found). Labels: CSDL ngành export "Trạng thái HS" values seen in ' +
    'public school-app code (DOMAIN.md §6.2); the full 12-value list was not found.',
  entries: [
    { code: 'studying', labelVi: 'Đang học', labelEn: 'Studying', aliases: ['active', 'enrolled'] },
    {
      code: 'transferred_in',
      labelVi: 'Chuyển đến',
      labelEn: 'Transferred in',
      aliases: ['Chuyển trường đến', 'Học sinh chuyển đến'],
    },
    {
      code: 'transferred_out',
      labelVi: 'Chuyển đi',
      labelEn: 'Transferred out',
      aliases: ['Chuyển trường đi', 'Chuyển trường', 'Học sinh chuyển đi'],
    },
    { code: 'dropped_out', labelVi: 'Thôi học', labelEn: 'Dropped out', aliases: ['Bỏ học', 'dropout'] },
    {
      code: 'returned',
      labelVi: 'Nghỉ học xin học lại',
      labelEn: 'Returned after leaving',
      aliases: ['Xin học lại', 'Quay lại học'],
    },
    {
      code: 'suspended',
      labelVi: 'Tạm nghỉ',
      labelEn: 'Suspended (temporary leave)',
      aliases: ['Tạm nghỉ học'],
    },
    {
      code: 'repeating',
      labelVi: 'Lưu ban',
      labelEn: 'Repeating the grade',
      aliases: ['Ở lại lớp', 'repeater'],
    },
    {
      code: 'completed',
      labelVi: 'Hoàn thành chương trình',
      labelEn: 'Completed the programme',
      aliases: ['Hoàn thành CT', 'Hoàn thành chương trình lớp học', 'HTCT'],
    },
    { code: 'graduated', labelVi: 'Tốt nghiệp', labelEn: 'Graduated', aliases: ['Đã tốt nghiệp'] },
    {
      code: 'deceased',
      labelVi: 'Đã mất',
      labelEn: 'Deceased',
      aliases: ['Qua đời', 'Tử vong', 'Chết', 'died'],
    },
  ],
});
