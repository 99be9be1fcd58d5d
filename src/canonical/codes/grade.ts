/** Grade code list (khối lớp / nhóm tuổi mầm non). */
import type { Grade } from '../enums.js';
import { defineCodeList, entriesOf, type CodeEntry } from './code-list.js';

function generalGrade(n: number): CodeEntry<Grade> {
  const code = String(n) as Grade;
  const aliases = [`Lớp ${n}`, `lop${n}`, `Khối ${n}`, `Khối lớp ${n}`, `Grade ${n}`];
  if (n < 10) aliases.push(`0${n}`);
  return { code, labelVi: `Lớp ${n}`, labelEn: `Grade ${n}`, aliases };
}

/**
 * Grades: nursery (nhà trẻ, under 3), kindergarten groups by age (mẫu giáo 3/4/5 tuổi, also called
 * lớp Mầm / Chồi / Lá and mẫu giáo bé / nhỡ / lớn), then grades 1–12. No official code list was found
 * (DOMAIN.md §3.5); codes are truc's own.
 */
export const GRADE_CODE_LIST = defineCodeList<Grade>({
  id: 'grade',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source: "Official grade codes not found (DOMAIN.md §3.5); codes are truc's own.",
  entries: [
    ...entriesOf([
      ['nursery', 'Nhà trẻ', 'Nursery', ['NT', 'Nhóm trẻ', 'Nhóm nhà trẻ', 'Nhà trẻ 24-36 tháng', 'creche']],
      [
        'kg3',
        'Mẫu giáo 3 tuổi',
        'Kindergarten, age 3',
        ['MG3', 'MG 3 tuổi', 'Mẫu giáo 3-4 tuổi', 'Mẫu giáo bé', 'Lớp Mầm', 'Mầm', '3 tuổi'],
      ],
      [
        'kg4',
        'Mẫu giáo 4 tuổi',
        'Kindergarten, age 4',
        ['MG4', 'MG 4 tuổi', 'Mẫu giáo 4-5 tuổi', 'Mẫu giáo nhỡ', 'Lớp Chồi', 'Chồi', '4 tuổi'],
      ],
      [
        'kg5',
        'Mẫu giáo 5 tuổi',
        'Kindergarten, age 5',
        ['MG5', 'MG 5 tuổi', 'Mẫu giáo 5-6 tuổi', 'Mẫu giáo lớn', 'Lớp Lá', 'Lá', '5 tuổi'],
      ],
    ]),
    ...Array.from({ length: 12 }, (_, i) => generalGrade(i + 1)),
  ],
});
