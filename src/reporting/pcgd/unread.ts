/**
 * Surveyed persons with a column truc could not read (a label outside its code lists, a malformed date, a
 * year out of range: the canonical person's `unread`, src/canonical/person.ts). They stay in the commune's
 * population (PCGD-RULES.md §1) and the counting reads what it can, the conservative way: no age without a
 * birth date, no class, no completion, not literate; an unread residence keeps the person in the population,
 * an unread disability is not a known one (the person stays in every denominator). Here: the findings that
 * say so, one per commune and column, with the number of persons (counts and column names only). Persons at
 * an age where a rule reads the column block approval (`error`); the others are a `warning`. Pure.
 */
import { countEn } from '../../config.js';
import type { PersonFlag } from './indicators.js';
import type { RuleSet } from './rule-set.js';
import { f, type PcgdFinding } from './validate.js';

/** Persons of a commune with one unread field at one age (null: no birth date read). */
export interface UnreadCount {
  communeCode: string;
  field: string;
  age: number | null;
  persons: number;
}

interface Column {
  /** The moet-pcgd column. */
  column: string;
  vi: string;
  en: string;
  /** How the counting reads the person without it (null: no rule reads it). */
  counted: { vi: string; en: string } | null;
}

const asNotCompleted = { vi: 'tính là chưa hoàn thành', en: 'counted as not completed' };
const COLUMNS: Record<string, Column> = {
  birthDate: {
    column: 'ngaySinh',
    vi: 'ngày sinh',
    en: 'birth date',
    counted: {
      vi: 'không tính được tuổi nên không có trong số liệu của độ tuổi nào',
      en: "no age, so in no age's count",
    },
  },
  residenceType: {
    column: 'loaiCuTru',
    vi: 'loại cư trú',
    en: 'residence type',
    counted: { vi: 'vẫn tính vào dân số của xã', en: "counted in the commune's population" },
  },
  currentGrade: {
    column: 'lopDangHoc',
    vi: 'lớp đang học',
    en: 'current class',
    counted: { vi: 'tính là không đang học lớp nào', en: 'counted as in no class' },
  },
  'completed.preschool': {
    column: 'namTotNghiepMN',
    vi: 'năm hoàn thành mầm non',
    en: 'preschool completion year',
    counted: asNotCompleted,
  },
  'completed.primary': {
    column: 'namTotNghiepTH',
    vi: 'năm hoàn thành tiểu học',
    en: 'primary completion year',
    counted: asNotCompleted,
  },
  'completed.lowerSecondary': {
    column: 'namTotNghiepTHCS',
    vi: 'năm tốt nghiệp THCS',
    en: 'lower-secondary completion year',
    counted: asNotCompleted,
  },
  literacy: {
    column: 'bietChu',
    vi: 'mức biết chữ',
    en: 'literacy',
    counted: { vi: 'tính là chưa biết chữ', en: 'counted as not literate' },
  },
  disability: {
    column: 'khuyetTat',
    vi: 'khuyết tật',
    en: 'disability',
    counted: {
      vi: 'tính là không khuyết tật, có trong mọi mẫu số',
      en: 'counted as not disabled, in every denominator',
    },
  },
  sex: { column: 'gioiTinh', vi: 'giới tính', en: 'sex', counted: null },
  ethnicityCode: { column: 'danToc', vi: 'dân tộc', en: 'ethnicity', counted: null },
  'completed.upperSecondary': {
    column: 'namTotNghiepTHPT',
    vi: 'năm tốt nghiệp THPT',
    en: 'upper-secondary completion year',
    counted: null,
  },
  'completed.vocational': {
    column: 'namTotNghiepNghe',
    vi: 'năm tốt nghiệp nghề',
    en: 'vocational completion year',
    counted: null,
  },
  dropout: { column: 'boHoc', vi: 'bỏ học', en: 'dropout', counted: null },
};

/** The field each numerator flag reads. */
const FIELD_OF_FLAG: Record<PersonFlag, string> = {
  hasClass: 'currentGrade',
  inGrade1to12: 'currentGrade',
  completedPreschool: 'completed.preschool',
  completedPrimary: 'completed.primary',
  completedLowerSecondary: 'completed.lowerSecondary',
  literate1: 'literacy',
  literate2: 'literacy',
};

/** Whether a rule of the rule set reads `field` of a person aged `age` (null: unknown). */
export function readsAt(rules: RuleSet, field: string, age: number | null): boolean {
  if (field === 'birthDate') return true;
  if (age === null) return false; // in no age's count: said by the birth date's finding
  const inCohort = rules.indicators.filter((d) => age >= d.ages[0] && age <= d.ages[1]);
  if (field === 'residenceType') return inCohort.length > 0;
  if (field === 'disability') return rules.settings.excludeDisabledFromDenominators && inCohort.length > 0;
  return inCohort.some((d) => FIELD_OF_FLAG[d.numerator] === field);
}

/** The findings of the unread columns of the communes' persons: one per commune and column. */
export function unreadChecks(rules: RuleSet, rows: readonly UnreadCount[]): PcgdFinding[] {
  const tally = new Map<string, { communeCode: string; field: string; read: number; all: number }>();
  for (const r of rows) {
    const key = `${r.communeCode}|${r.field}`;
    const t = tally.get(key) ?? { communeCode: r.communeCode, field: r.field, read: 0, all: 0 };
    t.all += r.persons;
    if (readsAt(rules, r.field, r.age)) t.read += r.persons;
    tally.set(key, t);
  }
  return [...tally.values()].map((t) => {
    const c = COLUMNS[t.field] ?? { column: t.field, vi: t.field, en: t.field, counted: null };
    const col = { vi: `${c.vi} (cột ${c.column})`, en: `${c.en} (column ${c.column})` };
    const extra = { communeCode: t.communeCode, count: t.read || t.all };
    if (t.read > 0 && c.counted)
      return f(
        'PCGD_PERSONS_UNREAD',
        `${t.read} người trong dân số của xã có ${col.vi} không đọc được: ${c.counted.vi}. Sửa dữ liệu điều tra trên PCGD-XMC, tải lại danh sách và tính lại trước khi phê duyệt.`,
        `${countEn(t.read, 'person')} of the commune's population ${t.read === 1 ? 'has' : 'have'} a ${col.en} truc could not read: ${c.counted.en}. Correct the survey data in PCGD-XMC, pull the persons again and recompute before approving.`,
        extra,
      );
    return f(
      'PCGD_PERSONS_UNREAD_UNUSED',
      `${t.all} người có ${col.vi} không đọc được; không chỉ số nào đọc cột này ở độ tuổi của họ: số liệu không đổi.`,
      `${countEn(t.all, 'person')} ${t.all === 1 ? 'has' : 'have'} a ${col.en} truc could not read; no indicator reads it at their age: the figures do not change.`,
      extra,
    );
  });
}
