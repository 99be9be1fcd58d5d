/**
 * moet-pcgd person record (survey form columns, Vietnamese names, `dd/mm/yyyy`) ⇄ canonical Person.
 * Pure: no I/O, no clock. Unknown codes and bad dates are findings; the output is validated with the
 * canonical PersonSchema and its issues come back as findings pointing at the wire column. A surveyed
 * person is always kept when its key columns are read (PCGD-RULES.md §1: the commune's population): a
 * column of UNREAD_OF_POINTER truc cannot read (a label outside its code lists, a malformed date, a
 * year out of range) leaves its field absent and named in `unread`, and its finding is a warning here;
 * the counting reads the absent field the conservative way and the report says how many persons
 * (src/reporting/pcgd/unread.ts).
 */
import type { z } from 'zod';
import { MOET_PCGD_LABELS, gradeLabel, type PersonWire } from '../../adapters/moet-pcgd/schema.js';
import { entryOf, resolveCode } from '../../canonical/codes/code-list.js';
import { DISABILITY_CODE_LIST } from '../../canonical/codes/disability.js';
import { ETHNICITY_CODE_LIST, ETHNICITY_KINH } from '../../canonical/codes/ethnicity.js';
import { GRADE_CODE_LIST } from '../../canonical/codes/grade.js';
import { SEX_CODE_LIST } from '../../canonical/codes/sex.js';
import type { Grade } from '../../canonical/enums.js';
import { issueWords } from '../../canonical/zod-text.js';
import {
  PERSON_UNREAD_FIELDS,
  PersonSchema,
  type Person,
  type PersonUnreadField,
} from '../../canonical/person.js';
import {
  badDate,
  cleanText,
  dmyToIso,
  finding,
  isoToDmy,
  missingField,
  requiredText,
  result,
  unknownCode,
} from '../common.js';
import type { EntityMapping, MapContext, MappingFinding, MapResult } from '../types.js';
import { LITERACY_LIST, RESIDENCE_TYPE_LIST, splitClassMarkers } from './vocab.js';

/** Canonical field path (dotted) → wire JSON pointer, to report canonical schema issues on the wire. */
const POINTER: Record<string, string> = {
  personRef: '/maDoiTuong',
  communeCode: '/maXa',
  householdNo: '/soHo',
  personalId: '/soDinhDanh',
  fatherName: '/hoTenCha',
  motherName: '/hoTenMe',
  guardianName: '/hoTenNguoiGiamHo',
  fullName: '/hoTen',
  birthDate: '/ngaySinh',
  sex: '/gioiTinh',
  ethnicityCode: '/danToc',
  residenceType: '/loaiCuTru',
  currentGrade: '/lopDangHoc',
  currentSchoolName: '/truongDangHoc',
  'completed.preschool': '/namTotNghiepMN',
  'completed.primary': '/namTotNghiepTH',
  'completed.lowerSecondary': '/namTotNghiepTHCS',
  'completed.upperSecondary': '/namTotNghiepTHPT',
  'completed.vocational': '/namTotNghiepNghe',
  'dropout.grade': '/boHoc/lop',
  'dropout.year': '/boHoc/nam',
  literacy: '/bietChu',
  disability: '/khuyetTat',
  movedAway: '/chuyenDi',
  deceased: '/daChet',
};

/** The wire columns whose unreadable value leaves the person's field unread (the person is kept). */
const UNREAD_OF_POINTER: Record<string, PersonUnreadField> = {
  '/ngaySinh': 'birthDate',
  '/gioiTinh': 'sex',
  '/danToc': 'ethnicityCode',
  '/loaiCuTru': 'residenceType',
  '/lopDangHoc': 'currentGrade',
  '/namTotNghiepMN': 'completed.preschool',
  '/namTotNghiepTH': 'completed.primary',
  '/namTotNghiepTHCS': 'completed.lowerSecondary',
  '/namTotNghiepTHPT': 'completed.upperSecondary',
  '/namTotNghiepNghe': 'completed.vocational',
  '/boHoc/lop': 'dropout',
  '/boHoc/nam': 'dropout',
  '/bietChu': 'literacy',
  '/khuyetTat': 'disability',
};

const defaultedKinh = finding(
  '/danToc',
  'MAP_DEFAULTED',
  'Để trống dân tộc: theo phiếu điều tra, ghi nhận là Kinh (01).',
  'Ethnicity left blank: read as Kinh (01), as the survey form prescribes.',
  'warning',
);
// The surveyed person keeps no ID, and it was sent: this one finding says so, never also missing (fix32b).
const droppedPersonalId = {
  ...finding(
    '/soDinhDanh',
    'MAP_BAD_PERSONAL_ID',
    'Số định danh không gồm đúng 12 chữ số: đã bỏ qua trường này.',
    'The personal ID is not exactly 12 digits: the field was left out.',
    'warning',
  ),
  refusesPersonalId: true as const,
};

type Draft = Record<string, unknown>;

/** Resolves a coded column; pushes a finding when present but unknown, or when required and missing. */
function coded<C extends string>(
  raw: string | null | undefined,
  resolve: (v: string) => C | undefined,
  pointer: string,
  list: string,
  findings: MappingFinding[],
  required: boolean,
): C | undefined {
  const value = cleanText(raw);
  if (value === undefined) {
    if (required) findings.push(missingField(pointer));
    return undefined;
  }
  const code = resolve(value);
  if (code === undefined) findings.push(unknownCode(pointer, list));
  return code;
}

function gradeOf(
  raw: string | null | undefined,
  pointer: string,
  findings: MappingFinding[],
): Grade | undefined {
  // The "!" (repeating) and "*" (two sessions a day) markers carry no canonical field: dropped here.
  const bare = raw === null || raw === undefined ? raw : splitClassMarkers(raw).klass;
  return coded(bare, (v) => resolveCode(GRADE_CODE_LIST, v), pointer, GRADE_CODE_LIST.id, findings, false);
}

function birthDateOf(raw: string, findings: MappingFinding[]): string | undefined {
  const value = requiredText(raw, '/ngaySinh', findings);
  if (value === undefined) return undefined;
  const iso = dmyToIso(value);
  if (iso === undefined) findings.push(badDate('/ngaySinh'));
  return iso;
}

function ethnicityOf(raw: string | null | undefined, findings: MappingFinding[]): string | undefined {
  if (cleanText(raw) === undefined) {
    // Paper-form rule (DOMAIN §2.4): a blank ethnicity column means Kinh. Reported as a warning.
    findings.push(defaultedKinh);
    return ETHNICITY_KINH;
  }
  return coded(
    raw,
    (v) => resolveCode(ETHNICITY_CODE_LIST, v),
    '/danToc',
    ETHNICITY_CODE_LIST.id,
    findings,
    true,
  );
}

function personalIdOf(raw: string | null | undefined, findings: MappingFinding[]): string | undefined {
  const value = cleanText(raw)?.replace(/\s/g, '');
  if (value === undefined) return undefined;
  if (/^\d{12}$/.test(value)) return value;
  // A malformed ID must not drop the person from the commune's counts: keep the person, drop the ID.
  findings.push(droppedPersonalId);
  return undefined;
}

/** Copies the defined entries only (exactOptionalPropertyTypes: absent, never `undefined`). */
function defined(entries: Record<string, unknown>): Draft {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== null));
}

function completedOf(wire: PersonWire): Draft {
  return defined({
    preschool: wire.namTotNghiepMN,
    primary: wire.namTotNghiepTH,
    lowerSecondary: wire.namTotNghiepTHCS,
    upperSecondary: wire.namTotNghiepTHPT,
    vocational: wire.namTotNghiepNghe,
  });
}

function dropoutOf(wire: PersonWire, findings: MappingFinding[]): Draft | undefined {
  if (wire.boHoc === null || wire.boHoc === undefined) return undefined;
  const grade = gradeOf(wire.boHoc.lop, '/boHoc/lop', findings);
  if (grade === undefined && cleanText(wire.boHoc.lop) === undefined)
    findings.push(missingField('/boHoc/lop'));
  return { grade, year: wire.boHoc.nam };
}

function draftOf(wire: PersonWire, findings: MappingFinding[]): Draft {
  const sexOf = (v: string) => resolveCode(SEX_CODE_LIST, v);
  return defined({
    personRef: cleanText(wire.maDoiTuong),
    communeCode: cleanText(wire.maXa),
    householdNo: requiredText(wire.soHo, '/soHo', findings),
    personalId: personalIdOf(wire.soDinhDanh, findings),
    fullName: requiredText(wire.hoTen, '/hoTen', findings),
    fatherName: cleanText(wire.hoTenCha),
    motherName: cleanText(wire.hoTenMe),
    guardianName: cleanText(wire.hoTenNguoiGiamHo),
    birthDate: birthDateOf(wire.ngaySinh, findings),
    sex: coded(wire.gioiTinh, sexOf, '/gioiTinh', SEX_CODE_LIST.id, findings, true),
    ethnicityCode: ethnicityOf(wire.danToc, findings),
    residenceType: coded(
      wire.loaiCuTru,
      (v) => resolveCode(RESIDENCE_TYPE_LIST, v),
      '/loaiCuTru',
      RESIDENCE_TYPE_LIST.id,
      findings,
      true,
    ),
    currentGrade: gradeOf(wire.lopDangHoc, '/lopDangHoc', findings),
    currentSchoolName: cleanText(wire.truongDangHoc),
    completed: completedOf(wire),
    dropout: dropoutOf(wire, findings),
    literacy: coded(
      wire.bietChu,
      (v) => resolveCode(LITERACY_LIST, v),
      '/bietChu',
      LITERACY_LIST.id,
      findings,
      true,
    ),
    disability: coded(
      wire.khuyetTat,
      (v) => resolveCode(DISABILITY_CODE_LIST, v),
      '/khuyetTat',
      DISABILITY_CODE_LIST.id,
      findings,
      false,
    ),
    movedAway: wire.chuyenDi,
    deceased: wire.daChet,
  });
}

/** Canonical schema issues → findings on the wire column, except columns that already have an error. */
function schemaFindings(
  issues: readonly z.core.$ZodIssue[],
  findings: readonly MappingFinding[],
): MappingFinding[] {
  const reported = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.pointer));
  return issues
    .map((issue) => {
      const path = issue.path.map(String);
      const pointer = POINTER[path.join('.')] ?? `/${path.join('/')}`;
      const msg = issueWords(issue, true);
      return finding(pointer, 'MAP_INVALID_VALUE', msg.vi, msg.en);
    })
    .filter((f) => !reported.has(f.pointer));
}

/** The draft without its unread fields, which it names in `unread` (in PERSON_UNREAD_FIELDS order). */
function withoutUnread(draft: Draft, unread: ReadonlySet<PersonUnreadField>): Draft {
  const out: Draft = { ...draft, completed: { ...(draft['completed'] as Draft) } };
  for (const field of unread) {
    if (field.startsWith('completed.')) delete (out['completed'] as Draft)[field.slice(10)];
    else delete out[field];
  }
  out['unread'] = PERSON_UNREAD_FIELDS.filter((f) => unread.has(f));
  return out;
}

/** Wire person → canonical Person (kept, with `unread`, when only UNREAD_OF_POINTER columns fail). */
function personToCanonical(wire: PersonWire, _ctx?: MapContext): MapResult<Person> {
  const findings: MappingFinding[] = [];
  const draft = draftOf(wire, findings);
  const first = PersonSchema.safeParse(draft);
  const all = first.success ? findings : [...findings, ...schemaFindings(first.error.issues, findings)];
  if (first.success && !findings.some((x) => x.severity === 'error')) return result(first.data, findings);
  const unread = new Set<PersonUnreadField>();
  for (const x of all) {
    const field = x.severity === 'error' ? UNREAD_OF_POINTER[x.pointer] : undefined;
    if (field) unread.add(field);
  }
  // Other columns (the record's key, the commune, the household, the name) still reject it.
  const kept = all.map((x) => (UNREAD_OF_POINTER[x.pointer] ? { ...x, severity: 'warning' as const } : x));
  if (unread.size === 0 || kept.some((x) => x.severity === 'error')) return { ok: false, findings: all };
  const second = PersonSchema.safeParse(withoutUnread(draft, unread));
  if (!second.success) return { ok: false, findings: [...all, ...schemaFindings(second.error.issues, [])] };
  return result(second.data, kept);
}

/**
 * Canonical Person → wire person (labels as this system writes them; absent optionals stay absent). An
 * unread field is written as a value truc reads as unread again: blank, or `?` for the ethnicity (blank
 * there means Kinh).
 */
function personFromCanonical(person: Person, _ctx?: MapContext): PersonWire {
  const c = person.completed;
  const wire: Record<string, unknown> = {
    maDoiTuong: person.personRef,
    maXa: person.communeCode,
    soHo: person.householdNo,
    hoTen: person.fullName,
    ngaySinh: person.birthDate === undefined ? '' : isoToDmy(person.birthDate),
    gioiTinh: person.sex === undefined ? '' : MOET_PCGD_LABELS.sex[person.sex],
    danToc:
      person.ethnicityCode === undefined
        ? '?'
        : (entryOf(ETHNICITY_CODE_LIST, person.ethnicityCode)?.labelVi ?? person.ethnicityCode),
    soDinhDanh: person.personalId,
    hoTenCha: person.fatherName,
    hoTenMe: person.motherName,
    hoTenNguoiGiamHo: person.guardianName,
    loaiCuTru: person.residenceType === undefined ? '' : MOET_PCGD_LABELS.residence[person.residenceType],
    lopDangHoc: person.currentGrade === undefined ? undefined : gradeLabel(person.currentGrade),
    truongDangHoc: person.currentSchoolName,
    namTotNghiepMN: c.preschool,
    namTotNghiepTH: c.primary,
    namTotNghiepTHCS: c.lowerSecondary,
    namTotNghiepTHPT: c.upperSecondary,
    namTotNghiepNghe: c.vocational,
    boHoc: person.dropout ? { lop: gradeLabel(person.dropout.grade), nam: person.dropout.year } : undefined,
    bietChu: person.literacy === undefined ? '' : MOET_PCGD_LABELS.literacy[person.literacy],
    khuyetTat: person.disability === undefined ? undefined : MOET_PCGD_LABELS.disability[person.disability],
    chuyenDi: person.movedAway,
    daChet: person.deceased,
  };
  return defined(wire) as PersonWire;
}

/** The persons mapping of moet-pcgd. */
export const moetPcgdPersonsMapping: EntityMapping<PersonWire, Person> = {
  version: 'moet-pcgd/persons@1',
  toCanonical: personToCanonical,
  fromCanonical: personFromCanonical,
};
