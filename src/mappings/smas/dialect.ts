/**
 * How SMAS spells what is not plain text: `dd/mm/yyyy` dates (also `d/m/yyyy` with `/`, `-` or `.`), the
 * school year as `YYYY-YYYY` (variants accepted), codes as its own labels (`./codes.ts`) or, for lists it
 * has no table of, the canonical Vietnamese label (reading also takes any canonical alias), and the
 * subjects taught as one comma- or semicolon-separated text. Pure.
 */
import type { CodeList } from '../../canonical/codes/code-list.js';
import { DISABILITY_CODE_LIST } from '../../canonical/codes/disability.js';
import { GRADE_CODE_LIST } from '../../canonical/codes/grade.js';
import { SEX_CODE_LIST } from '../../canonical/codes/sex.js';
import { STAFF_STATUS_CODE_LIST } from '../../canonical/codes/staff-status.js';
import { LOOSE_SCHOOL_YEAR } from '../../canonical/school-year.js';
import { DMY_DATE, dmyToIso, isoToDmy } from '../common.js';
import { textOf } from '../common.js';
import { codeOf, labelOf, schoolYearOf } from '../school-system.js';
import type { SchoolSystemDialect } from '../school-system-mapping.js';
import { SMAS_DISABILITY, SMAS_GRADE, SMAS_SEX, SMAS_STAFF_STATUS } from './codes.js';

/** SMAS's own labels, by the canonical list they spell. */
const LABELS = new Map<
  CodeList,
  { toCode: ReadonlyMap<string, string>; toWire: ReadonlyMap<string, string> }
>([
  [SEX_CODE_LIST, SMAS_SEX],
  [GRADE_CODE_LIST, SMAS_GRADE],
  [DISABILITY_CODE_LIST, SMAS_DISABILITY],
  [STAFF_STATUS_CODE_LIST, SMAS_STAFF_STATUS],
]);

/** `MonDay` 'Toán, Tin học' (also `;`-separated) → ['Toán', 'Tin học']; blank → undefined. */
function splitSubjects(value: unknown): string[] | undefined {
  const text = textOf(value);
  if (text === undefined) return undefined;
  const parts = text
    .split(/[,;]/)
    .map((s) => textOf(s))
    .filter((s): s is string => s !== undefined);
  return parts.length > 0 ? parts : undefined;
}

export const SMAS_DIALECT: SchoolSystemDialect = {
  shapes: {
    date: {
      keywords: { pattern: DMY_DATE.source },
      vi: 'ngày dạng dd/mm/yyyy (cũng nhận d/m/yyyy, dấu - hoặc .)',
      en: 'a date as dd/mm/yyyy (d/m/yyyy, with - or ., is read too)',
    },
    schoolYear: {
      keywords: { pattern: LOOSE_SCHOOL_YEAR.source },
      vi: 'dạng 2025-2026 (cũng nhận 2025-26, 2025/2026)',
      en: 'like 2025-2026 (2025-26, 2025/2026 are read too)',
    },
    subjects: {
      keywords: {},
      vi: 'tên các môn, cách nhau bởi dấu phẩy hoặc chấm phẩy',
      en: 'the subjects’ names, separated by commas or semicolons',
    },
    codes: {
      vi: 'Cũng nhận các cách viết khác của danh mục (mã truc, không dấu, hoa hay thường)',
      en: 'Other spellings of the list are read too (truc’s code, without diacritics, any case)',
    },
  },
  parseDate: dmyToIso,
  writeDate: isoToDmy,
  readSchoolYear: schoolYearOf,
  writeSchoolYear: (code) => code,
  readCode(field, value, pointer, findings) {
    const labels = LABELS.get(field.list);
    const vendor = labels ? { vendor: labels.toCode } : {};
    return codeOf(value, pointer, findings, { ...vendor, canonical: field.list, required: field.required });
  },
  writeCode: (list, code) => LABELS.get(list)?.toWire.get(code) ?? labelOf(list, code),
  readSubjects: splitSubjects,
  writeSubjects: (subjects) => (subjects.length === 0 ? undefined : subjects.join(', ')),
};
