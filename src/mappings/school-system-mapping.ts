/**
 * One mapping engine for the per-school vendor systems (SMAS, vnEdu). What a student, a staff member and
 * a class are made of is said once here (`STUDENT_FIELDS`, `STAFF_FIELDS`, `CLASS_FIELDS`: the kind of
 * each canonical field, in reading order, and the order a wire record is written in); each system gives
 * only its wire field names and its `SchoolSystemDialect`: how it spells dates, school years, codes and
 * subjects. Pure.
 */
import type { z } from 'zod';
import { ClassGroupSchema, type ClassGroup } from '../canonical/class-group.js';
import type { CodeList } from '../canonical/codes/code-list.js';
import { DISABILITY_CODE_LIST } from '../canonical/codes/disability.js';
import { ETHNICITY_CODE_LIST } from '../canonical/codes/ethnicity.js';
import { GRADE_CODE_LIST } from '../canonical/codes/grade.js';
import { SEX_CODE_LIST } from '../canonical/codes/sex.js';
import { STAFF_POSITION_CODE_LIST } from '../canonical/codes/staff-position.js';
import { STAFF_STATUS_CODE_LIST } from '../canonical/codes/staff-status.js';
import { STUDENT_STATUS_CODE_LIST } from '../canonical/codes/student-status.js';
import { StaffSchema, type Staff } from '../canonical/staff.js';
import { StudentSchema, type Student } from '../canonical/student.js';
import { compact, requiredText, textOf } from './common.js';
import { dateOf, personalIdOf, schoolOf, validated } from './school-system.js';
import type { EntityMapping, MapContext, MapResult, MappingFinding } from './types.js';

/** A code field: resolved in `list`; a missing or unknown value is an error when `required`, else a warning. */
export interface CodeField {
  readonly list: CodeList;
  readonly required: boolean;
}

/**
 * What a canonical field is: free text (`text`), required text, the record's school (falls back to the
 * context's), its school year, a personal ID, a required or optional date, the subjects taught, or a code.
 */
export type FieldKind =
  | 'text'
  | 'requiredText'
  | 'school'
  | 'schoolYear'
  | 'personalId'
  | 'date'
  | 'optionalDate'
  | 'subjects'
  | CodeField;

/** What the OpenAPI document says of one kind of wire value: JSON Schema keywords and a few words in each language. */
export interface WireShape {
  readonly keywords: Readonly<Record<string, unknown>>;
  readonly vi: string;
  readonly en: string;
}

/** How a system spells what is not plain text. Readers add findings; writers get present values only. */
export interface SchoolSystemDialect {
  /**
   * What a vendor is told of this system's dates, school years and subjects (./school-system-docs.ts), the
   * keywords taken from the patterns the readers below use; `codes` says what else a code field reads
   * besides the values its table writes, when anything.
   */
  readonly shapes: {
    readonly date: WireShape;
    readonly schoolYear: WireShape;
    readonly subjects: WireShape;
    readonly codes?: Omit<WireShape, 'keywords'>;
  };
  /** A wire date's text as ISO, undefined when it is not a real date. */
  readonly parseDate: (text: string) => string | undefined;
  readonly writeDate: (iso: string) => unknown;
  /** The school year `YYYY-YYYY` of a wire value, else the context's (a finding when neither). */
  readonly readSchoolYear: (
    value: unknown,
    pointer: string,
    ctx: MapContext,
    findings: MappingFinding[],
  ) => string | undefined;
  readonly writeSchoolYear: (code: string) => unknown;
  readonly readCode: (
    field: CodeField,
    value: unknown,
    pointer: string,
    findings: MappingFinding[],
  ) => string | undefined;
  readonly writeCode: (list: CodeList, code: string) => unknown;
  readonly readSubjects: (value: unknown) => string[] | undefined;
  /** The wire value of the subjects taught; undefined leaves the field out. */
  readonly writeSubjects: (subjects: readonly string[]) => unknown;
}

/** One entity: its schema, the kind of each field in reading order, and its wire writing order. */
export interface SchoolEntity<T> {
  readonly schema: z.ZodObject;
  readonly fields: { readonly [K in keyof T]-?: FieldKind };
  readonly writeOrder: readonly (keyof T & string)[];
}

const required = (list: CodeList): CodeField => ({ list, required: true });
const optional = (list: CodeList): CodeField => ({ list, required: false });

/** Students and staff are written with the same person fields first, after their own code. */
const PERSON_WRITE_ORDER = [
  'schoolCode',
  'fullName',
  'birthDate',
  'sex',
  'ethnicityCode',
  'personalId',
] as const;

/** A student of one school and year. */
export const STUDENT_FIELDS: SchoolEntity<Student> = {
  schema: StudentSchema,
  fields: {
    studentCode: 'requiredText',
    schoolCode: 'school',
    classCode: 'text',
    schoolYear: 'schoolYear',
    grade: optional(GRADE_CODE_LIST),
    personalId: 'personalId',
    fullName: 'requiredText',
    birthDate: 'date',
    sex: required(SEX_CODE_LIST),
    ethnicityCode: required(ETHNICITY_CODE_LIST),
    status: required(STUDENT_STATUS_CODE_LIST),
    statusDate: 'optionalDate',
    disability: optional(DISABILITY_CODE_LIST),
    residenceCommuneCode: 'text',
    fatherName: 'text',
    motherName: 'text',
    guardianName: 'text',
    phone: 'text',
  },
  writeOrder: [
    'studentCode',
    ...PERSON_WRITE_ORDER,
    'classCode',
    'grade',
    'schoolYear',
    'status',
    'statusDate',
    'disability',
    'residenceCommuneCode',
    'fatherName',
    'motherName',
    'guardianName',
    'phone',
  ],
};

/** A staff member of one school. */
export const STAFF_FIELDS: SchoolEntity<Staff> = {
  schema: StaffSchema,
  fields: {
    staffCode: 'requiredText',
    schoolCode: 'school',
    personalId: 'personalId',
    fullName: 'requiredText',
    birthDate: 'date',
    sex: required(SEX_CODE_LIST),
    ethnicityCode: optional(ETHNICITY_CODE_LIST),
    position: required(STAFF_POSITION_CODE_LIST),
    subjects: 'subjects',
    status: required(STAFF_STATUS_CODE_LIST),
    email: 'text',
    phone: 'text',
  },
  writeOrder: ['staffCode', ...PERSON_WRITE_ORDER, 'position', 'subjects', 'status', 'email', 'phone'],
};

/** A class of one school and year. */
export const CLASS_FIELDS: SchoolEntity<ClassGroup> = {
  schema: ClassGroupSchema,
  fields: {
    classCode: 'requiredText',
    schoolCode: 'school',
    schoolYear: 'schoolYear',
    grade: required(GRADE_CODE_LIST),
    name: 'requiredText',
    homeroomStaffCode: 'text',
  },
  writeOrder: ['classCode', 'schoolCode', 'name', 'grade', 'schoolYear', 'homeroomStaffCode'],
};

function readField(
  kind: FieldKind,
  dialect: SchoolSystemDialect,
  value: unknown,
  pointer: string,
  ctx: MapContext,
  findings: MappingFinding[],
): unknown {
  switch (kind) {
    case 'text':
      return textOf(value);
    case 'requiredText':
      return requiredText(value, pointer, findings);
    case 'school':
      return schoolOf(value, pointer, ctx, findings);
    case 'schoolYear':
      return dialect.readSchoolYear(value, pointer, ctx, findings);
    case 'personalId':
      return personalIdOf(value, pointer, findings);
    case 'date':
    case 'optionalDate':
      return dateOf(value, pointer, findings, { required: kind === 'date', parse: dialect.parseDate });
    case 'subjects':
      return dialect.readSubjects(value);
    default:
      return dialect.readCode(kind, value, pointer, findings);
  }
}

function writeField(kind: FieldKind, dialect: SchoolSystemDialect, value: unknown): unknown {
  if (value === undefined) return undefined;
  switch (kind) {
    case 'schoolYear':
      return dialect.writeSchoolYear(value as string);
    case 'date':
    case 'optionalDate':
      return dialect.writeDate(value as string);
    case 'subjects':
      return dialect.writeSubjects(value as string[]);
    case 'text':
    case 'requiredText':
    case 'school':
    case 'personalId':
      return value;
    default:
      return dialect.writeCode(kind.list, value as string);
  }
}

/**
 * The mapping of one entity in one system's wire format. `names` gives the wire field of each canonical
 * field (its JSON pointer in findings is `/<name>`). Reading: required fields missing, bad or unknown →
 * error findings; optional ones → warnings and the field is left out; the school falls back to
 * `ctx.schoolCode` and the year to `ctx.schoolYear`. Writing: the system's spellings, absent optionals
 * stay absent.
 */
export function schoolSystemMapping<Wire, T extends object>(
  version: string,
  entity: SchoolEntity<T>,
  dialect: SchoolSystemDialect,
  names: { readonly [K in keyof T]-?: keyof Wire & string },
): EntityMapping<Wire, T> & {
  readonly fromCanonical: (record: T) => Wire;
  readonly wireNames: Readonly<Record<string, string>>;
  /** What it is made of, for its documentation (./school-system-docs.ts). */
  readonly entity: SchoolEntity<T>;
  readonly dialect: SchoolSystemDialect;
} {
  const fields = Object.entries(entity.fields) as [keyof T & string, FieldKind][];
  const pointers = Object.fromEntries(fields.map(([field]) => [field, `/${names[field]}`]));
  return {
    version,
    wireNames: names,
    entity,
    dialect,
    toCanonical(wire: Wire, ctx: MapContext): MapResult<T> {
      const findings: MappingFinding[] = [];
      const w = wire as Record<string, unknown>;
      const candidate = Object.fromEntries(
        fields.map(([field, kind]) => [
          field,
          readField(kind, dialect, w[names[field]], pointers[field] as string, ctx, findings),
        ]),
      );
      return validated(entity.schema, candidate, findings, pointers) as MapResult<T>;
    },
    fromCanonical(record: T): Wire {
      const r = record as Record<string, unknown>;
      const wire = entity.writeOrder.map((field) => [
        names[field],
        writeField(entity.fields[field], dialect, r[field]),
      ]);
      return compact(Object.fromEntries(wire) as Record<string, unknown>) as Wire;
    },
  };
}
