/**
 * How vnEdu spells what is not plain text: ISO dates (a time part is cut off), the school year as its
 * starting year (2025 for 2025-2026), every code as a number of its own tables (`./codes.ts`; sex also
 * takes a canonical label in a loosely typed push), and the subjects taught as an array. Pure.
 */
import type { CodeList } from '../../canonical/codes/code-list.js';
import { DISABILITY_CODE_LIST } from '../../canonical/codes/disability.js';
import { ETHNICITY_CODE_LIST } from '../../canonical/codes/ethnicity.js';
import { GRADE_CODE_LIST } from '../../canonical/codes/grade.js';
import { SEX_CODE_LIST } from '../../canonical/codes/sex.js';
import { STAFF_POSITION_CODE_LIST } from '../../canonical/codes/staff-position.js';
import { STAFF_STATUS_CODE_LIST } from '../../canonical/codes/staff-status.js';
import { STUDENT_STATUS_CODE_LIST } from '../../canonical/codes/student-status.js';
import { ISO_DATE, isoDate } from '../common.js';
import { textOf } from '../common.js';
import type { SchoolSystemDialect } from '../school-system-mapping.js';
import {
  VNEDU_DISABILITY,
  VNEDU_ETHNICITY,
  VNEDU_GRADE,
  VNEDU_POSITION,
  VNEDU_SEX,
  VNEDU_STAFF_STATUS,
  VNEDU_STUDENT_STATUS,
} from './codes.js';
import { startYearOf } from '../../canonical/school-year.js';
import { VNEDU_START_YEARS, numericCodeOf, schoolYearOfStart } from './support.js';

type Table = { toCode: ReadonlyMap<number, string>; toWire: ReadonlyMap<string, number> };

/** vnEdu's numeric table of each canonical list. */
const TABLES = new Map<CodeList, Table>([
  [SEX_CODE_LIST, VNEDU_SEX],
  [GRADE_CODE_LIST, VNEDU_GRADE],
  [ETHNICITY_CODE_LIST, VNEDU_ETHNICITY],
  [STUDENT_STATUS_CODE_LIST, VNEDU_STUDENT_STATUS],
  [DISABILITY_CODE_LIST, VNEDU_DISABILITY],
  [STAFF_POSITION_CODE_LIST, VNEDU_POSITION],
  [STAFF_STATUS_CODE_LIST, VNEDU_STAFF_STATUS],
]);

function tableOf(list: CodeList): Table {
  const table = TABLES.get(list);
  if (!table) throw new Error(`vnEdu has no code table for ${list.id}`);
  return table;
}

/** `subjects` cleaned (NFC, trimmed), blanks dropped; empty or not an array → undefined. */
function subjectsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = value.map((s) => textOf(s)).filter((s): s is string => s !== undefined);
  return out.length > 0 ? out : undefined;
}

export const VNEDU_DIALECT: SchoolSystemDialect = {
  shapes: {
    date: {
      keywords: { pattern: ISO_DATE.source },
      vi: 'ngày dạng yyyy-mm-dd (phần giờ, nếu có, bị bỏ qua)',
      en: 'a date as yyyy-mm-dd (a time part, if any, is ignored)',
    },
    schoolYear: {
      keywords: { ...VNEDU_START_YEARS },
      vi: 'năm bắt đầu của năm học (2025 là năm học 2025-2026)',
      en: 'the school year’s starting year (2025 for 2025-2026)',
    },
    subjects: { keywords: {}, vi: 'mỗi môn một phần tử', en: 'one item per subject' },
  },
  parseDate: isoDate,
  writeDate: (iso) => iso,
  readSchoolYear: schoolYearOfStart,
  writeSchoolYear: startYearOf,
  readCode(field, value, pointer, findings) {
    const aliases = field.list === SEX_CODE_LIST ? { aliases: SEX_CODE_LIST } : {};
    const table = tableOf(field.list).toCode;
    return numericCodeOf(value, pointer, findings, {
      table,
      list: field.list.id,
      required: field.required,
      ...aliases,
    });
  },
  writeCode: (list, code) => tableOf(list).toWire.get(code),
  readSubjects: subjectsOf,
  writeSubjects: (subjects) => (subjects.length === 0 ? undefined : [...subjects]),
};
