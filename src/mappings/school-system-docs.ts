/**
 * What a vendor must send in each field of a SMAS or vnEdu record (W5-11), for the OpenAPI document: per wire
 * field, JSON Schema keywords of the values its mapping reads and a short description in Vietnamese and English.
 * Nothing is copied: a code field's `enum` is what the system's dialect writes for each code of the canonical list
 * (its own table: `<system>/codes.ts`, or the list's Vietnamese labels), a date's or school year's keywords are the
 * dialect's (the patterns its readers use), and a field carried as it is takes the canonical schema's own keywords
 * (what `validated` checks it with). A changed table, pattern or schema changes the document. Pure.
 */
import { z } from 'zod';
import type { ClassGroup } from '../canonical/class-group.js';
import { codesOf, type CodeList } from '../canonical/codes/code-list.js';
import type { Staff } from '../canonical/staff.js';
import type { Student } from '../canonical/student.js';
import type { FieldKind, SchoolEntity, SchoolSystemDialect } from './school-system-mapping.js';

/** One wire field's documentation: JSON Schema keywords and a `vi / en` description. */
export interface WireFieldDoc {
  readonly keywords: Readonly<Record<string, unknown>>;
  readonly description: string;
}

type Words = readonly [vi: string, en: string];

/** What each canonical field is, in both languages (one table for students, staff and classes). */
const FIELD_WORDS: Readonly<Record<keyof Student | keyof Staff | keyof ClassGroup, Words>> = {
  studentCode: [
    'Mã học sinh (mã định danh ngành; TAM-<số định danh> khi chưa có)',
    'student code (the sector ID; TAM-<personal ID> until one is issued)',
  ],
  staffCode: ['Mã cán bộ', 'staff code'],
  classCode: ['Mã lớp', 'class code'],
  schoolCode: ['Mã trường; bỏ trống: trường của đường dẫn', 'school code; left out: the school of the path'],
  schoolYear: ['Năm học', 'school year'],
  grade: ['Khối', 'grade'],
  personalId: ['Số định danh cá nhân', 'personal ID number'],
  fullName: ['Họ và tên', 'full name'],
  birthDate: ['Ngày sinh', 'birth date'],
  sex: ['Giới tính', 'sex'],
  ethnicityCode: ['Dân tộc', 'ethnicity'],
  status: ['Trạng thái', 'status'],
  statusDate: ['Ngày của trạng thái', 'date the status took effect'],
  disability: ['Loại khuyết tật', 'disability'],
  residenceCommuneCode: [
    'Mã xã/phường thường trú (danh mục 2025)',
    'commune of permanent residence (2025 list)',
  ],
  fatherName: ['Họ tên cha', 'father’s full name'],
  motherName: ['Họ tên mẹ', 'mother’s full name'],
  guardianName: ['Họ tên người giám hộ', 'guardian’s full name'],
  phone: ['Số điện thoại liên hệ', 'contact phone number'],
  position: ['Chức vụ', 'position'],
  subjects: ['Môn dạy', 'subjects taught'],
  email: ['Thư điện tử', 'email address'],
  name: ['Tên lớp', 'class name'],
  homeroomStaffCode: ['Mã cán bộ của giáo viên chủ nhiệm', 'staff code of the homeroom teacher'],
};

/** The canonical keywords a field carried as it is keeps on the wire. */
const CARRIED = ['pattern', 'minLength', 'maxLength', 'format'] as const;

const PERSONAL_ID: Words = [
  '12 chữ số; số CMND 9 chữ số cũ không được lưu (cảnh báo)',
  '12 digits; a legacy 9-digit ID card number is not stored (a warning)',
];
const REQUIRED_CODE: Words = ['giá trị lạ là lỗi', 'an unknown value is an error'];
const OPTIONAL_CODE: Words = ['giá trị lạ bị bỏ (cảnh báo)', 'an unknown value is dropped (a warning)'];

/** The wire value the dialect writes for each code of `list`, in list order: what the field reads. */
export function wireCodes(dialect: SchoolSystemDialect, list: CodeList): unknown[] {
  return codesOf(list).map((code) => dialect.writeCode(list, code));
}

/** `1 = Nam / Male` for a number, `Nam (Male)` for a text. */
function valueWords(dialect: SchoolSystemDialect, list: CodeList): string {
  return list.entries
    .map((e) => {
      const wire = dialect.writeCode(list, e.code);
      return typeof wire === 'number'
        ? `${wire} = ${e.labelVi} / ${e.labelEn}`
        : `${String(wire)} (${e.labelEn})`;
    })
    .join('; ');
}

function codeDoc(dialect: SchoolSystemDialect, kind: Exclude<FieldKind, string>, words: Words): WireFieldDoc {
  const [vi, en] = kind.required ? REQUIRED_CODE : OPTIONAL_CODE;
  const also = dialect.shapes.codes ? ` ${dialect.shapes.codes.vi} / ${dialect.shapes.codes.en}.` : '';
  // A dialect that reads other spellings too (SMAS: truc's code, no diacritics, any case) gets no closed `enum`: a
  // validator would refuse first a value its mapping maps (review6 R6-10); its values are listed in the words.
  return {
    keywords: dialect.shapes.codes ? {} : { enum: wireCodes(dialect, kind.list) },
    description:
      `${words[0]}; ${vi} / ${words[1]}; ${en}. ` +
      `Giá trị / values: ${valueWords(dialect, kind.list)}.${also}`,
  };
}

const described = (words: Words, extra?: Words): string =>
  extra ? `${words[0]}: ${extra[0]} / ${words[1]}: ${extra[1]}` : `${words[0]} / ${words[1]}`;

function fieldDoc(
  kind: FieldKind,
  dialect: SchoolSystemDialect,
  words: Words,
  canonical: Readonly<Record<string, unknown>>,
): WireFieldDoc {
  if (typeof kind !== 'string') return codeDoc(dialect, kind, words);
  switch (kind) {
    case 'date':
    case 'optionalDate':
    case 'schoolYear':
    case 'subjects': {
      const shape = dialect.shapes[kind === 'optionalDate' ? 'date' : kind];
      return { keywords: shape.keywords, description: described(words, [shape.vi, shape.en]) };
    }
    default: {
      const keywords = Object.fromEntries(
        CARRIED.filter((k) => k in canonical).map((k) => [k, canonical[k]]),
      );
      return { keywords, description: described(words, kind === 'personalId' ? PERSONAL_ID : undefined) };
    }
  }
}

/**
 * The documentation of each wire field a school-system mapping reads, by wire name. Wire fields it does not
 * read are not in it (the caller says so of them).
 */
export function wireFieldDocs(mapping: {
  readonly entity: { readonly schema: SchoolEntity<object>['schema']; readonly fields: object };
  readonly dialect: SchoolSystemDialect;
  readonly wireNames: Readonly<Record<string, string>>;
}): Record<string, WireFieldDoc> {
  const json = z.toJSONSchema(mapping.entity.schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Record<string, unknown>>;
  };
  const fields = Object.entries(mapping.entity.fields) as [keyof typeof FIELD_WORDS, FieldKind][];
  return Object.fromEntries(
    fields.map(([field, kind]) => [
      mapping.wireNames[field] as string,
      fieldDoc(kind, mapping.dialect, FIELD_WORDS[field], json.properties?.[field] ?? {}),
    ]),
  );
}
